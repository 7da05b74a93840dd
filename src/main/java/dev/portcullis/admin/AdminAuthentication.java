package dev.portcullis.admin;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
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
      AdminReplies.error(ctx.response(), 403, "admin_disabled",
          "The admin API is disabled: set admin.key in the configuration (for example ${PORTCULLIS_ADMIN_KEY}).");
      return false;
    }
    String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim()
        : ctx.request().getHeader("x-api-key");
    if (presented == null || !MessageDigest.isEqual(adminKey, presented.getBytes(StandardCharsets.UTF_8))) {
      AdminReplies.error(ctx.response(), 401, "invalid_admin_key", presented == null
          ? "The admin API needs the admin key: 'Authorization: Bearer ADMIN_KEY'." : "Incorrect admin key.");
      return false;
    }
    return true;
  }

}
