package dev.portcullis.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditJson;
import dev.portcullis.audit.AuditRepository;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The audit trail on the admin API (behind the admin key): {@code GET /admin/audit} with filters
 * (surface, principal, key_id, target, decision, outcome, id, trace_id, session_id, since,
 * until as epoch ms) and paging ({@code limit}, and {@code cursor} from the previous page's
 * {@code next_cursor}); {@code GET /admin/audit/verify} checks the hash chain.
 */
public final class AuditAdmin {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final AuditRepository repo;

  public AuditAdmin(AuditRepository repo) {
    this.repo = repo;
  }

  public void mount(Router router) {
    router.get("/admin/audit").handler(ctx -> blocking(ctx, () -> page(ctx)));
    router.get("/admin/audit/verify").handler(ctx -> blocking(ctx, () -> {
      AuditRepository.Verification v = repo.verify();
      ObjectNode o = JSON.createObjectNode().put("ok", v.ok()).put("events", v.events());
      if (!v.ok()) {
        o.put("broken_at", v.brokenAt()).put("problem", v.problem());
      }
      return o;
    }));
  }

  private JsonNode page(RoutingContext ctx) {
    int limit = Math.min(1000, Math.max(1, intParam(ctx, "limit", 100)));
    AuditRepository.Filter f = new AuditRepository.Filter(ctx.request().getParam("surface"),
        ctx.request().getParam("principal"), ctx.request().getParam("key_id"), ctx.request().getParam("target"),
        ctx.request().getParam("decision"), ctx.request().getParam("outcome"), ctx.request().getParam("id"),
        ctx.request().getParam("trace_id"), ctx.request().getParam("session_id"), longParam(ctx, "since"),
        longParam(ctx, "until"), longParam(ctx, "cursor"), limit + 1);
    List<AuditEvent> events = repo.query(f);
    ObjectNode out = JSON.createObjectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    for (int i = 0; i < Math.min(limit, events.size()); i++) {
      data.add(AuditJson.tree(events.get(i)));
    }
    if (events.size() > limit) {
      out.put("next_cursor", events.get(limit - 1).seq());
    } else {
      out.putNull("next_cursor");
    }
    return out;
  }

  private static int intParam(RoutingContext ctx, String name, int dflt) {
    Long v = longParam(ctx, name);
    return v == null ? dflt : (int) Math.min(Integer.MAX_VALUE, v);
  }

  private static Long longParam(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, got '" + v + "'");
    }
  }

  private static void blocking(RoutingContext ctx, Callable<JsonNode> work) {
    ctx.vertx().executeBlocking(work, false).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(ar.result().toString());
      } else {
        boolean bad = ar.cause() instanceof IllegalArgumentException;
        ObjectNode o = JSON.createObjectNode();
        o.putObject("error").put("message", ar.cause().getMessage()).put("type", "admin_error")
            .put("code", bad ? "invalid_request" : "store_error");
        ctx.response().setStatusCode(bad ? 400 : 500).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end(o.toString());
      }
    });
  }
}
