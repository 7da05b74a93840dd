package dev.portcullis.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.telemetry.AccessRecord;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code GET /admin/status}: every upstream's live state (see {@link UpstreamStatus}), behind the
 * admin key. Mounted on its own so that it exists with or without a store; mount it before the
 * rest of the admin API (whose catch-all would answer 404).
 */
public final class StatusAdmin {
  public static final String PATH = "/admin/status";

  private final UpstreamStatus status;
  private final byte[] adminKey;

  public StatusAdmin(UpstreamStatus status, String adminKey) {
    this.status = status;
    this.adminKey = adminKey == null || adminKey.isBlank() ? null : adminKey.getBytes(StandardCharsets.UTF_8);
  }

  public void mount(Router router) {
    router.get(PATH).handler(this::status);
  }

  private void status(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (adminKey == null) {
      error(response, 403, "admin_disabled",
          "The admin API is disabled: set admin.key in the configuration (for example ${PORTCULLIS_ADMIN_KEY}).");
      return;
    }
    String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim()
        : ctx.request().getHeader("x-api-key");
    if (presented == null || !MessageDigest.isEqual(adminKey, presented.getBytes(StandardCharsets.UTF_8))) {
      error(response, 401, "invalid_admin_key", presented == null
          ? "The admin API needs the admin key: 'Authorization: Bearer ADMIN_KEY'." : "Incorrect admin key.");
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(status.document().toString());
  }

  private static void error(HttpServerResponse response, int status, String code, String message) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putObject("error").put("message", message).put("type", "admin_error").putNull("param").put("code", code);
    response.setStatusCode(status).putHeader(AccessRecord.CODE_HEADER, code)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(o.toString());
  }
}
