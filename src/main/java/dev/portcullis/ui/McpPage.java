package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.mcp.McpGateway;
import dev.portcullis.mcp.ToolNames;
import dev.portcullis.mcp.ToolPins;
import dev.portcullis.mcp.Upstream;
import dev.portcullis.policy.Approvals;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;

/**
 * MCP review work: tool definitions that changed upstream and are held until approved (the rug
 * pull defence), shown side by side with the approved ones; and tool calls that policy holds for
 * a human, to approve or deny. The same {@link ToolPins} and {@link Approvals} as the admin API.
 */
final class McpPage implements Console.Page {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The queue shows this many approvals at most, newest first. */
  static final int MAX_APPROVALS = 200;

  /** The MCP gateway, or null when no MCP servers are configured (the page then says so). */
  private final McpGateway mcp;

  McpPage(McpGateway mcp) {
    this.mcp = mcp;
  }

  @Override
  public void mount(Router router) {
    router.get(Console.BASE + "/mcp").handler(this::show);
    router.post(Console.BASE + "/mcp/tools/approve").handler(this::approveTool);
    router.post(Console.BASE + "/mcp/approvals/:id/approve").handler(ctx -> decide(ctx, true));
    router.post(Console.BASE + "/mcp/approvals/:id/deny").handler(ctx -> decide(ctx, false));
  }

  private void show(RoutingContext ctx) {
    Session s = Console.sessionOf(ctx);
    if (mcp == null) {
      Replies.html(ctx, 200, Layout.page("MCP", Layout.Nav.MCP, s, "<h1>MCP</h1><p class=\"muted\">"
          + "The MCP gateway is off: no servers under mcp.servers.</p>"));
      return;
    }
    mcp.approvals().listAsync().onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
        return;
      }
      List<Approvals.Approval> queue = ar.result().stream()
          .sorted((x, y) -> Long.compare(y.createdAt(), x.createdAt())).limit(MAX_APPROVALS).toList();
      Replies.html(ctx, 200, Layout.page("MCP", Layout.Nav.MCP, s, render(s, mcp.pins().pending(), queue)));
    });
  }

  private void approveTool(RoutingContext ctx) {
    String server = ctx.request().getFormAttribute("server");
    String tool = ctx.request().getFormAttribute("tool");
    String fingerprint = ctx.request().getFormAttribute("fingerprint");
    // only the definition the reviewer saw is approved: a newer change stays held for review
    boolean current = mcp != null && mcp.pins().pending().stream().anyMatch(p -> p.server().equals(server)
        && p.tool().equals(tool) && p.pending().equals(fingerprint));
    if (!current) {
      Replies.error(ctx, 409, "Changed again", "That tool's definition is no longer the one waiting for review;"
          + " look at it again.");
      return;
    }
    Replies.blocking(ctx, () -> mcp.pins().approve(server, tool), ok -> Replies.seeOther(ctx, Console.BASE + "/mcp"));
  }

  private void decide(RoutingContext ctx, boolean approve) {
    if (mcp == null) {
      Replies.error(ctx, 404, "Not found", "The MCP gateway is off.");
      return;
    }
    mcp.approvals().decideAsync(ctx.pathParam("id"), approve).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else if (ar.result() == null) {
        Replies.error(ctx, 404, "Not found", "No approval " + ctx.pathParam("id") + " waits for a decision.");
      } else {
        Replies.seeOther(ctx, Console.BASE + "/mcp");
      }
    });
  }

  private String exposed(ToolPins.Pin p) {
    for (Upstream u : mcp.upstreams()) {
      if (u.key().equals(p.server())) {
        return ToolNames.namespaced(u.alias(), mcp.separator(), p.tool());
      }
    }
    return p.server() + ":" + p.tool();
  }

  private String render(Session s, List<ToolPins.Pin> pending, List<Approvals.Approval> queue) {
    StringBuilder b = new StringBuilder("<h1>MCP</h1><h2>Changed tools waiting for review</h2>");
    b.append("<p class=\"muted\">Pinning mode: ").append(esc(mcp.pins().mode().name().toLowerCase(java.util.Locale.ROOT)))
        .append(". A tool whose definition changed after it was approved is held until approved here.</p>");
    if (pending.isEmpty()) {
      b.append("<p class=\"empty\" id=\"no-pending\">No changed tools.</p>");
    }
    for (ToolPins.Pin p : pending) {
      String name = exposed(p);
      b.append("<section class=\"card pending-tool\" data-tool=\"").append(esc(name)).append("\"><h3>")
          .append(esc(name)).append("</h3><p class=\"muted\">changed ").append(esc(Instant.ofEpochMilli(p.updatedAt())))
          .append("</p><div class=\"table-wrap\"><table class=\"diff\"><thead><tr><th>Approved</th><th>New</th></tr>")
          .append("</thead><tbody>");
      for (LineDiff.Row r : LineDiff.rows(pretty(p.approvedDefinition()), pretty(p.pendingDefinition()))) {
        b.append("<tr").append(r.same() ? "" : " class=\"changed\"").append("><td class=\"")
            .append(r.left() == null || r.same() ? "" : "removed").append("\"><pre>").append(esc(r.left()))
            .append("</pre></td><td class=\"").append(r.right() == null || r.same() ? "" : "added").append("\"><pre>")
            .append(esc(r.right())).append("</pre></td></tr>");
      }
      b.append("</tbody></table></div>");
      if (s.role.mayChange()) {
        b.append("<form method=\"post\" action=\"").append(Console.BASE).append("/mcp/tools/approve\" data-confirm=\"")
            .append(esc("Approve the new definition of " + name + "? Clients will see it at once.")).append("\">")
            .append(Layout.csrf(s)).append(hidden("server", p.server())).append(hidden("tool", p.tool()))
            .append(hidden("fingerprint", p.pending()))
            .append("<button type=\"submit\" class=\"approve-tool\">Approve the new definition</button></form>")
            .append("<p class=\"muted\">Not approving keeps the tool withheld (or flagged) for clients.</p>");
      }
      b.append("</section>");
    }
    b.append("<h2>Tool calls waiting for approval</h2><div class=\"table-wrap\"><table id=\"approvals\"><thead><tr>")
        .append("<th>Requested</th><th>Who</th><th>Tool</th><th>Arguments</th><th>Why held</th><th>Status</th><th></th>")
        .append("</tr></thead><tbody>");
    if (queue.isEmpty()) {
      b.append("<tr><td colspan=\"7\" class=\"empty\">No approvals.</td></tr>");
    }
    for (Approvals.Approval a : queue) {
      b.append("<tr data-approval=\"").append(esc(a.id())).append("\"><td data-label=\"Requested\">")
          .append(esc(Instant.ofEpochMilli(a.createdAt()))).append("</td><td data-label=\"Who\">").append(esc(a.principal()))
          .append(a.persona() == null ? "" : " as " + esc(a.persona())).append("</td><td data-label=\"Tool\">")
          .append(esc(a.target())).append("</td><td data-label=\"Arguments\"><code>").append(esc(a.summary()))
          .append("</code></td><td data-label=\"Why held\">").append(esc(a.reason())).append("</td>")
          .append("<td data-label=\"Status\" class=\"status\">").append(esc(a.status().name().toLowerCase(java.util.Locale.ROOT)))
          .append("</td><td class=\"actions\">");
      if (s.role.mayChange() && a.status() == Approvals.Status.PENDING) {
        String base = Console.BASE + "/mcp/approvals/" + Html.url(a.id());
        b.append("<form method=\"post\" action=\"").append(esc(base + "/approve")).append("\">").append(Layout.csrf(s))
            .append("<button type=\"submit\">Approve</button></form><form method=\"post\" action=\"")
            .append(esc(base + "/deny")).append("\">").append(Layout.csrf(s))
            .append("<button type=\"submit\">Deny</button></form>");
      }
      b.append("</td></tr>");
    }
    return b.append("</tbody></table></div>").toString();
  }

  private static String hidden(String name, String value) {
    return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + esc(value) + "\">";
  }

  private static String pretty(JsonNode definition) {
    if (definition == null || definition.isNull()) {
      return "";
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(definition);
    } catch (JsonProcessingException e) {
      return definition.toString();
    }
  }
}
