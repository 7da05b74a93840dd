package dev.portcullis.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditJson;
import dev.portcullis.audit.AuditModule;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.audit.ChainVerifier;
import dev.portcullis.audit.Checkpoint;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The audit trail on the admin API (behind the admin key): {@code GET /admin/audit} with filters
 * (surface, principal, key_id, target, decision, outcome, id, trace_id, session_id, since,
 * until as epoch ms) and paging ({@code limit}, and {@code cursor} from the previous page's
 * {@code next_cursor}); {@code GET /admin/audit/verify} checks the keyed chain and the copies of
 * the checkpoints kept in the store; {@code GET /admin/audit/checkpoints} lists those copies
 * (newest first, {@code limit}) with the public key that verifies them.
 */
public final class AuditAdmin {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_CHECKPOINTS = 100_000;
  private final AuditModule audit;
  private final AuditRepository repo;

  public AuditAdmin(AuditModule audit) {
    this.audit = audit;
    this.repo = audit.repository();
  }

  public void mount(Router router) {
    router.get("/admin/audit").handler(ctx -> blocking(ctx, () -> page(ctx)));
    router.get("/admin/audit/verify").handler(ctx -> blocking(ctx, () -> {
      List<ChainVerifier.Anchor> stored = repo.checkpoints(MAX_CHECKPOINTS).stream()
          .map(jws -> new ChainVerifier.Anchor("store", jws)).toList();
      return AuditJson.report(audit.verifier().verify(stored));
    }));
    router.get("/admin/audit/checkpoints").handler(ctx -> blocking(ctx, () -> {
      int limit = Math.min(1000, Math.max(1, intParam(ctx, "limit", 100)));
      ObjectNode out = JSON.createObjectNode().put("object", "list");
      out.set("public_key", JSON.readTree(audit.signer().publicJwk()));
      ArrayNode data = out.putArray("data");
      for (String jws : repo.checkpoints(limit)) {
        try {
          data.add(AuditJson.tree(audit.signer().open(jws))); // fields from the signed payload only
        } catch (IllegalArgumentException e) { // a forged copy in the store: shown as such, not trusted
          data.add(JSON.createObjectNode().put("type", Checkpoint.TYPE).put("jws", jws).put("invalid", e.getMessage()));
        }
      }
      return out;
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
