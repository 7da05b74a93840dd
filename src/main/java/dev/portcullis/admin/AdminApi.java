package dev.portcullis.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.json.JsonBodies;
import dev.portcullis.limits.Accountant;
import dev.portcullis.store.StoreException;
import dev.portcullis.store.UsageRepository;
import dev.portcullis.store.UsageWriter;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin REST API under {@code /admin}: virtual keys, teams and usage reports. Guarded by
 * the admin credential from configuration ({@code admin.key}); with none configured it refuses
 * every request. All store work runs on worker threads.
 */
public final class AdminApi {
  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
  private static final long DAY = 86_400_000L;

  private final KeyAdmin keys;
  private final UsageRepository usage;
  private final UsageWriter writer;
  private final AdminAuthentication authentication;
  private final JsonBodies bodies;
  private final java.util.List<java.util.function.Consumer<Router>> extensions;

  /**
   * @param bodies the one parser of client JSON bodies
   * @param extensions more admin routes (the audit trail's), mounted behind the admin key
   */
  public AdminApi(KeyAdmin keys, UsageRepository usage, UsageWriter writer, AdminAuthentication authentication,
      JsonBodies bodies,
      java.util.List<java.util.function.Consumer<Router>> extensions) {
    this.keys = keys;
    this.extensions = java.util.List.copyOf(extensions);
    this.bodies = bodies;
    this.usage = usage;
    this.writer = writer;
    this.authentication = authentication;
  }

  /** Adds the admin routes to one event loop's router. */
  public void mount(Router router) {
    router.route("/admin/*").handler(authentication);
    router.route("/admin/*").handler(BodyHandler.create(false).setBodyLimit(1024 * 1024));
    router.get("/admin/keys").handler(ctx -> blocking(ctx, 200, () -> list(keys.list().stream().map(keys::view)
        .toList())));
    router.post("/admin/keys").handler(ctx -> blocking(ctx, 201, () -> issued(keys.create(body(ctx)))));
    router.get("/admin/keys/:id").handler(ctx -> blocking(ctx, 200, () -> keys.view(keys.find(ctx.pathParam("id")))));
    router.patch("/admin/keys/:id").handler(ctx -> blocking(ctx, 200,
        () -> keys.view(keys.update(ctx.pathParam("id"), body(ctx)))));
    router.delete("/admin/keys/:id").handler(ctx -> blocking(ctx, 200,
        () -> keys.view(keys.delete(ctx.pathParam("id"))).put("deleted", true)));
    router.post("/admin/keys/:id/rotate").handler(ctx -> blocking(ctx, 200,
        () -> issued(keys.rotate(ctx.pathParam("id")))));
    router.post("/admin/keys/:id/disable").handler(ctx -> blocking(ctx, 200,
        () -> keys.view(keys.setDisabled(ctx.pathParam("id"), true))));
    router.post("/admin/keys/:id/enable").handler(ctx -> blocking(ctx, 200,
        () -> keys.view(keys.setDisabled(ctx.pathParam("id"), false))));
    router.get("/admin/teams").handler(ctx -> blocking(ctx, 200, () -> list(keys.teams().stream().map(keys::view)
        .toList())));
    router.post("/admin/teams").handler(ctx -> blocking(ctx, 201, () -> keys.view(keys.createTeam(body(ctx)))));
    router.get("/admin/teams/:id").handler(ctx -> blocking(ctx, 200,
        () -> keys.view(keys.findTeam(ctx.pathParam("id")))));
    router.patch("/admin/teams/:id").handler(ctx -> blocking(ctx, 200,
        () -> keys.view(keys.updateTeam(ctx.pathParam("id"), body(ctx)))));
    router.delete("/admin/teams/:id").handler(ctx -> blocking(ctx, 200,
        () -> keys.view(keys.deleteTeam(ctx.pathParam("id"))).put("deleted", true)));
    router.get("/admin/usage").handler(this::usage);
    for (java.util.function.Consumer<Router> extension : extensions) {
      extension.accept(router); // behind the admin key, before the catch-all
    }
    router.route("/admin/*").handler(ctx -> AdminReplies.error(ctx.response(), 404, "not_found",
        "Unknown admin route: " + ctx.request().method() + " " + ctx.request().path()));
  }

  private void usage(RoutingContext ctx) {
    var q = ctx.queryParams();
    long now = System.currentTimeMillis();
    long from;
    long to;
    List<String> groupBy = new ArrayList<>();
    Map<String, String> filters = new LinkedHashMap<>();
    try {
      from = q.get("from") == null ? now - 30 * DAY : time(q.get("from"), false);
      to = q.get("to") == null ? now + DAY : time(q.get("to"), true);
      String g = q.get("group_by");
      if (g != null) {
        for (String s : g.split(",")) {
          if (!s.isBlank()) {
            groupBy.add(s.trim());
          }
        }
      }
      for (String f : List.of("key", "team", "model", "deployment", "persona", "tool")) {
        if (q.get(f) != null) {
          filters.put(f, q.get(f));
        }
      }
    } catch (IllegalArgumentException e) {
      AdminReplies.error(ctx.response(), 400, "invalid_request", e.getMessage());
      return;
    }
    boolean csv = "csv".equalsIgnoreCase(q.get("format"));
    long f = from;
    long t = to;
    Future<List<UsageRepository.UsageRow>> rows = ctx.vertx().executeBlocking(() -> {
      writer.flush(); // what was served until now is in the report
      return usage.report(f, t, groupBy, filters);
    }, false);
    rows.onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
        return;
      }
      if (csv) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/csv; charset=utf-8")
            .putHeader("content-disposition", "attachment; filename=\"portcullis-usage.csv\"")
            .end(UsageCsv.render(groupBy, ar.result()));
        return;
      }
      ObjectNode out = KeyAdmin.JSON.createObjectNode().put("object", "usage_report");
      out.put("from", Instant.ofEpochMilli(f).toString()).put("to", Instant.ofEpochMilli(t).toString());
      ArrayNode g = out.putArray("group_by");
      groupBy.forEach(g::add);
      ArrayNode data = out.putArray("data");
      long total = 0;
      for (UsageRepository.UsageRow r : ar.result()) {
        ObjectNode row = data.addObject();
        r.group().forEach(row::put);
        row.put("requests", r.requests()).put("prompt_tokens", r.promptTokens())
            .put("completion_tokens", r.completionTokens()).put("cached_tokens", r.cachedTokens())
            .put("reasoning_tokens", r.reasoningTokens())
            .put("cost_usd", new BigDecimal(Accountant.usd(r.costNanos())));
        total += r.costNanos();
      }
      out.put("total_cost_usd", new BigDecimal(Accountant.usd(total)));
      AdminReplies.json(ctx.response(), 200, out);
    });
  }

  /** Epoch millis from an ISO date (UTC; {@code to} dates are inclusive), ISO instant or epoch millis. */
  static long time(String s, boolean endOfDay) {
    String v = s.trim();
    try {
      if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
        long start = LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        return endOfDay ? start + DAY : start;
      }
      if (v.matches("\\d+")) {
        return Long.parseLong(v);
      }
      return Instant.parse(v).toEpochMilli();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a date or time: '" + s + "' (use 2025-01-31 or 2025-01-31T12:00:00Z)");
    }
  }

  /** The request's JSON object; an empty body is an empty object (a PATCH that changes nothing). */
  private JsonNode body(RoutingContext ctx) {
    var b = ctx.body().buffer();
    if (b == null || b.length() == 0) {
      return KeyAdmin.JSON.createObjectNode();
    }
    try {
      return bodies.object(b.getBytes());
    } catch (JsonBodies.Rejected e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  private ObjectNode issued(KeyAdmin.Issued i) {
    return keys.view(i.key()).put("key", i.secret());
  }

  private static ObjectNode list(List<ObjectNode> items) {
    ObjectNode o = KeyAdmin.JSON.createObjectNode().put("object", "list");
    o.putArray("data").addAll(items);
    return o;
  }

  private static void blocking(RoutingContext ctx, int status, Callable<JsonNode> work) {
    ctx.vertx().executeBlocking(work, false).onComplete(ar -> {
      if (ar.succeeded()) {
        AdminReplies.json(ctx.response(), status, ar.result());
      } else {
        fail(ctx, ar.cause());
      }
    });
  }

  private static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof NoSuchElementException) {
      AdminReplies.error(ctx.response(), 404, "not_found", e.getMessage());
    } else if (e instanceof IllegalArgumentException) {
      AdminReplies.error(ctx.response(), 400, "invalid_request", e.getMessage());
    } else if (e instanceof StoreException && e.getMessage() != null && e.getMessage().startsWith("already exists")) {
      AdminReplies.error(ctx.response(), 409, "conflict", e.getMessage());
    } else {
      LOG.warn("admin request {} {} failed", ctx.request().method(), ctx.request().path(), e);
      AdminReplies.error(ctx.response(), 500, "store_error", "The store failed: " + e.getMessage());
    }
  }


}
