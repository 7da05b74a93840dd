package dev.portcullis.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.telemetry.AccessRecord;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The one check of the admin key ({@code admin.key}) in front of every admin route: keys, teams,
 * usage, audit, status, approvals, tool pins, configuration reload. The key comes as {@code
 * Authorization: Bearer KEY} or {@code x-api-key}, compared in constant time; with no key
 * configured every admin route answers 403. Refusals have the admin API's error shape.
 */
public final class AdminAuthentication implements Handler<RoutingContext> {
  private final byte[] adminKey;

  /** @param adminKey the admin key, or null or blank: the admin API is disabled */
  public AdminAuthentication(String adminKey) {
    this.adminKey = adminKey == null || adminKey.isBlank() ? null : adminKey.getBytes(StandardCharsets.UTF_8);
  }

  /** Passes a request with the admin key on to the next handler; answers any other itself. */
  @Override
  public void handle(RoutingContext ctx) {
    if (admitted(ctx)) {
      ctx.next();
    }
  }

  /** Whether the request carries the admin key; when not, it has been answered (401 or 403). */
  boolean admitted(RoutingContext ctx) {
    if (adminKey == null) {
      error(ctx.response(), 403, "admin_disabled",
          "The admin API is disabled: set admin.key in the configuration (for example ${PORTCULLIS_ADMIN_KEY}).");
      return false;
    }
    String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim()
        : ctx.request().getHeader("x-api-key");
    if (presented == null || !MessageDigest.isEqual(adminKey, presented.getBytes(StandardCharsets.UTF_8))) {
      error(ctx.response(), 401, "invalid_admin_key", presented == null
          ? "The admin API needs the admin key: 'Authorization: Bearer ADMIN_KEY'." : "Incorrect admin key.");
      return false;
    }
    return true;
  }

  /** An admin API error: {@code {"error": {"message", "type": "admin_error", "param", "code"}}}. */
  static void error(HttpServerResponse response, int status, String code, String message) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putObject("error").put("message", message).put("type", "admin_error").putNull("param").put("code", code);
    response.setStatusCode(status).putHeader(AccessRecord.CODE_HEADER, code) // for the access log; removed before sending
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(o.toString());
  }
}
