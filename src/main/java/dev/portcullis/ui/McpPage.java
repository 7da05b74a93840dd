package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.admin.UpstreamStatus;
import dev.portcullis.mcp.McpGateway;
import dev.portcullis.mcp.aggregate.Entry;
import dev.portcullis.mcp.aggregate.ItemKind;
import dev.portcullis.mcp.aggregate.ToolNames;
import dev.portcullis.mcp.aggregate.ToolPins;
import dev.portcullis.mcp.aggregate.Upstream;
import dev.portcullis.policy.Approvals;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The MCP gateway in the console: every upstream with its health, era and tools, each virtual
 * server with what it exposes, and the review work: tool definitions that changed upstream and are held until approved (the rug
 * pull defence), shown side by side with the approved ones; and tool calls that policy holds for
 * a human, to approve or deny. The same {@link ToolPins} and {@link Approvals} as the admin API.
 */
final class McpPage implements Console.Page {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The queue shows this many approvals at most, newest first. */
  static final int MAX_APPROVALS = 200;
  /** The page lists this many virtual servers at most (each is three lists to build). */
  static final int MAX_VIRTUAL_SERVERS = 50;

  /** The MCP gateway, or null when no MCP servers are configured (the page then says so). */
  private final McpGateway mcp;
  private final UpstreamStatus status;

  McpPage(McpGateway mcp, UpstreamStatus status) {
    this.mcp = mcp;
    this.status = status;
  }

  @Override
  public void mount(Router router) {
    router.get(Console.BASE + "/mcp").handler(this::show);
    router.post(Console.BASE + "/mcp/tools/approve").handler(this::approveTool);
    router.post(Console.BASE + "/mcp/tools/reject").handler(this::rejectTool);
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
    Future<List<Entry>> tools = orNull(mcp.listed("", ItemKind.TOOLS));
    List<Future<McpServersView.Virtual>> virtuals = new ArrayList<>();
    mcp.virtualServers().entrySet().stream().limit(MAX_VIRTUAL_SERVERS).forEach(v -> {
      Future<List<Entry>> t = orNull(mcp.listed(v.getKey(), ItemKind.TOOLS));
      Future<List<Entry>> r = orNull(mcp.listed(v.getKey(), ItemKind.RESOURCES));
      Future<List<Entry>> p = orNull(mcp.listed(v.getKey(), ItemKind.PROMPTS));
      virtuals.add(Future.all(t, r, p).map(x -> new McpServersView.Virtual(v.getKey(), v.getValue().description(),
          t.result(), r.result(), p.result())));
    });
    Future<List<Approvals.Approval>> approvals = mcp.approvals().listAsync();
    List<Future<?>> all = new ArrayList<>(virtuals);
    all.add(tools);
    all.add(approvals);
    Replies.bounded(ctx, Future.all(all), done -> {
      List<Approvals.Approval> queue = approvals.result().stream()
          .sorted((x, y) -> Long.compare(y.createdAt(), x.createdAt())).limit(MAX_APPROVALS).toList();
      String servers = McpServersView.upstreams(status.document().path("mcp_upstreams"), tools.result())
          + McpServersView.virtualServers(virtuals.stream().map(Future::result).toList());
      Replies.html(ctx, 200, Layout.page("MCP", Layout.Nav.MCP, s, "<h1>MCP</h1>" + servers
          + render(s, mcp.pins().pending(), queue)));
    });
  }

  /** A list that could not be built (an upstream failed) is shown as such, not as a failed page. */
  private static <T> Future<T> orNull(Future<T> list) {
    return list.otherwise((T) null);
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

  /** Rejects exactly the definition on screen; the tool stays withheld while its server offers it. */
  private void rejectTool(RoutingContext ctx) {
    String server = ctx.request().getFormAttribute("server");
    String tool = ctx.request().getFormAttribute("tool");
    String fingerprint = ctx.request().getFormAttribute("fingerprint");
    if (mcp == null || server == null || tool == null || fingerprint == null) {
      Replies.error(ctx, 400, "Invalid input", "Say which tool change to reject: server, tool and fingerprint.");
      return;
    }
    Replies.blocking(ctx, () -> mcp.pins().reject(server, tool, fingerprint), rejected -> {
      if (rejected) {
        Replies.seeOther(ctx, Console.BASE + "/mcp");
      } else {
        Replies.error(ctx, 409, "Changed again", "That tool's definition is no longer the one waiting for review;"
            + " look at it again.");
      }
    });
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
    StringBuilder b = new StringBuilder("<h2>Changed tools waiting for review</h2>");
    b.append("<p class=\"muted\">Pinning mode: ").append(esc(mcp.pins().mode().name().toLowerCase(java.util.Locale.ROOT)))
        .append(". A tool whose definition changed after it was approved is held until approved here.</p>");
    if (pending.isEmpty()) {
      b.append("<p class=\"empty\" id=\"no-pending\">No changed tools.</p>");
    }
    for (ToolPins.Pin p : pending) {
      String name = exposed(p);
      b.append("<section class=\"card pending-tool\" data-tool=\"").append(esc(name)).append("\"><h3>")
          .append(esc(name)).append("</h3><p class=\"muted\">").append(p.rejected() ? "<strong class=\"rejected\">"
              + "Rejected</strong>: withheld from clients while the server offers this definition; " : "changed ")
          .append(esc(Instant.ofEpochMilli(p.updatedAt()))).append("</p><div class=\"table-wrap\"><table class=\"diff\"><thead><tr><th>Approved</th><th>New</th></tr>")
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
            .append("<button type=\"submit\" class=\"approve-tool\">Approve the new definition</button></form>");
        if (!p.rejected()) {
          b.append("<form method=\"post\" action=\"").append(Console.BASE).append("/mcp/tools/reject\" data-confirm=\"")
              .append(esc("Reject the new definition of " + name + "? The tool stays withheld while its server offers it."))
              .append("\">").append(Layout.csrf(s)).append(hidden("server", p.server())).append(hidden("tool", p.tool()))
              .append(hidden("fingerprint", p.pending()))
              .append("<button type=\"submit\" class=\"reject-tool\">Reject</button></form>");
        }
        b.append("<p class=\"muted\">Until approved, the tool is withheld (or flagged) for clients; rejected, it is"
            + " withheld in every mode.</p>");
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
