package dev.portcullis.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import java.util.function.Supplier;

/**
 * {@code GET /admin/config/reload}: the last configuration reload's outcome (null before the
 * first); {@code POST /admin/config/reload}: reloads the configuration file now and answers the
 * outcome, 200 when applied, 422 when rejected (the configuration in force kept). Behind the
 * admin key, with or without a store.
 */
public final class ReloadAdmin {
  static final String PATH = "/admin/config/reload";

  private final Vertx vertx;
  private final Supplier<ObjectNode> last;
  private final Supplier<ObjectNode> reload;
  private final AdminAuthentication authentication;

  /**
   * @param last the last outcome as JSON, or null when there was none
   * @param reload reloads (blocking) and returns the outcome as JSON, with a {@code result} field
   */
  public ReloadAdmin(Vertx vertx, Supplier<ObjectNode> last, Supplier<ObjectNode> reload, AdminAuthentication authentication) {
    this.vertx = vertx;
    this.last = last;
    this.reload = reload;
    this.authentication = authentication;
  }

  public void mount(Router router) {
    router.route(PATH).handler(authentication);
    router.get(PATH).handler(ctx -> {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.set("last", last.get());
      AdminReplies.json(ctx.response(), 200, body);
    });
    router.post(PATH).handler(ctx -> vertx.executeBlocking(reload::get, false).onComplete(r -> {
      if (r.failed()) { // reload itself never throws; this is the worker pool refusing the task
        AdminReplies.typedError(ctx.response(), 500, "reload_failed", "The reload could not run: " + r.cause().getMessage());
        return;
      }
      AdminReplies.json(ctx.response(), "applied".equals(r.result().path("result").asText()) ? 200 : 422, r.result());
    }));
    router.route(PATH).handler(ctx -> {
      ctx.response().putHeader(HttpHeaders.ALLOW, "GET, POST");
      AdminReplies.typedError(ctx.response(), 405, "method_not_allowed", "Use GET for the last outcome, POST to reload.");
    });
  }


}
