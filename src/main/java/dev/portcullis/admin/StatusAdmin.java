package dev.portcullis.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /admin/status}: every upstream's live state (see {@link UpstreamStatus}), behind the
 * admin key. Mounted on its own so that it exists with or without a store; mount it before the
 * rest of the admin API (whose catch-all would answer 404).
 */
public final class StatusAdmin {
  public static final String PATH = "/admin/status";

  private final UpstreamStatus status;
  private final AdminAuthentication authentication;

  public StatusAdmin(UpstreamStatus status, AdminAuthentication authentication) {
    this.status = status;
    this.authentication = authentication;
  }

  public void mount(Router router) {
    router.get(PATH).handler(this::status);
  }

  private void status(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (!authentication.admitted(ctx)) {
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(status.document().toString());
  }

}
