package dev.portcullis.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.policy.Approvals;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Locale;

/**
 * Admin routes for approvals that policy rules asked for ({@code require_approval}): model calls
 * held for an administrator, and MCP calls of clients that cannot be asked themselves: {@code GET /admin/approvals} lists them,
 * {@code POST /admin/approvals/{id}/approve} and {@code .../deny} decide one (admin key).
 */
public final class ApprovalAdmin {
  private final Approvals approvals;
  private final AdminAuthentication authentication;

  public ApprovalAdmin(Approvals approvals, AdminAuthentication authentication) {
    this.approvals = approvals;
    this.authentication = authentication;
  }

  public void mount(Router router) {
    router.route("/admin/approvals*").handler(authentication);
    router.get("/admin/approvals").handler(this::list);
    router.post("/admin/approvals/:id/approve").handler(ctx -> decide(ctx, true));
    router.post("/admin/approvals/:id/deny").handler(ctx -> decide(ctx, false));
  }

  private void list(RoutingContext ctx) {
    String status = ctx.request().getParam("status");
    approvals.listAsync().onComplete(ar -> {
      if (ar.failed()) {
        AdminReplies.typedError(ctx.response(), 500, "store_error", "Could not read approvals: " + ar.cause().getMessage());
        return;
      }
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list");
      ArrayNode data = body.putArray("data");
      for (Approvals.Approval a : ar.result()) {
        if (status == null || a.status().name().equalsIgnoreCase(status)) {
          data.add(view(a));
        }
      }
      AdminReplies.json(ctx.response(), 200, body);
    });
  }

  private void decide(RoutingContext ctx, boolean approve) {
    approvals.decideAsync(ctx.pathParam("id"), approve).onComplete(ar -> {
      if (ar.failed()) {
        AdminReplies.typedError(ctx.response(), 500, "store_error", "Could not decide the approval: " + ar.cause().getMessage());
      } else if (ar.result() == null) {
        AdminReplies.typedError(ctx.response(), 404, "not_found", "No pending approval '" + ctx.pathParam("id") + "'");
      } else {
        AdminReplies.json(ctx.response(), 200, view(ar.result()));
      }
    });
  }

  private static ObjectNode view(Approvals.Approval a) {
    ObjectNode o = JsonNodeFactory.instance.objectNode().put("id", a.id())
        .put("status", a.status().name().toLowerCase(Locale.ROOT))
        .put("principal", a.principal()).put("persona", a.persona()).put("action", a.action())
        .put("server", a.server()).put("target", a.target()).put("arguments", a.summary())
        .put("arguments_sha256", a.argumentsHash()).put("rule", a.rule()).put("reason", a.reason())
        .put("created_at", Instant.ofEpochMilli(a.createdAt()).toString());
    if (a.decidedAt() > 0) {
      o.put("decided_at", Instant.ofEpochMilli(a.decidedAt()).toString());
    }
    return o;
  }


}
