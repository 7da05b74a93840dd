package dev.portcullis.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.aggregate.ToolNames;
import dev.portcullis.mcp.aggregate.ToolPins;
import dev.portcullis.mcp.aggregate.Upstream;
import dev.portcullis.mcp.protocol.JsonRpc;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Admin routes for tool pinning: the tools whose definition changed and wait for review, and
 * their approval. A tool is named as on /mcp ({@code alias__tool}) or as {@code server:tool}.
 */
public final class PinningAdmin {
  private final ToolPins pins;
  private final List<Upstream> upstreams;
  private final String separator;
  private final AdminAuthentication authentication;

  public PinningAdmin(ToolPins pins, List<Upstream> upstreams, String separator, AdminAuthentication authentication) {
    this.pins = pins;
    this.upstreams = upstreams;
    this.separator = separator;
    this.authentication = authentication;
  }

  public void mount(Router router) {
    router.route("/admin/mcp/tools/*").handler(authentication);
    router.get("/admin/mcp/tools/pending").handler(this::pending);
    router.post("/admin/mcp/tools/:name/approve").handler(this::approve);
    router.post("/admin/mcp/tools/:name/reject").handler(this::reject);
  }

  private String exposed(ToolPins.Pin p) {
    for (Upstream u : upstreams) {
      if (u.key().equals(p.server())) {
        return ToolNames.namespaced(u.alias(), separator, p.tool());
      }
    }
    return p.server() + ":" + p.tool();
  }

  private void pending(RoutingContext ctx) {
    ObjectNode body = JsonRpc.F.objectNode().put("mode", pins.mode().name().toLowerCase(java.util.Locale.ROOT));
    ArrayNode data = body.putArray("data");
    for (ToolPins.Pin p : pins.pending()) {
      ObjectNode o = data.addObject().put("name", exposed(p)).put("server", p.server()).put("tool", p.tool());
      o.putObject("approved").put("fingerprint", p.approved()).set("definition", p.approvedDefinition());
      o.putObject("pending").put("fingerprint", p.pending()).set("definition", p.pendingDefinition());
      o.put("changed_at", java.time.Instant.ofEpochMilli(p.updatedAt()).toString()).put("rejected", p.rejected());
    }
    AdminReplies.json(ctx.response(), 200, body);
  }

  private void approve(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    for (ToolPins.Pin p : pins.pending()) {
      if (name.equals(exposed(p)) || name.equals(p.server() + ":" + p.tool())) {
        String fingerprint = p.pending();
        if (pins.approve(p.server(), p.tool())) {
          AdminReplies.json(ctx.response(), 200, JsonRpc.F.objectNode().put("name", exposed(p)).put("server", p.server())
              .put("tool", p.tool()).put("approved", fingerprint));
          return;
        }
      }
    }
    AdminReplies.typedError(ctx.response(), 404, "not_found", "No tool named '" + name + "' waits for approval");
  }

  /** Rejects the change waiting now (the tool stays withheld while the server offers it). */
  private void reject(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    for (ToolPins.Pin p : pins.pending()) {
      if ((name.equals(exposed(p)) || name.equals(p.server() + ":" + p.tool()))
          && pins.reject(p.server(), p.tool(), p.pending())) {
        AdminReplies.json(ctx.response(), 200, JsonRpc.F.objectNode().put("name", exposed(p)).put("server", p.server())
            .put("tool", p.tool()).put("rejected", p.pending()));
        return;
      }
    }
    AdminReplies.typedError(ctx.response(), 404, "not_found", "No tool named '" + name + "' waits for approval");
  }


}
