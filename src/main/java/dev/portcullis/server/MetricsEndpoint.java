package dev.portcullis.server;

import dev.portcullis.config.MetricsConfig;
import dev.portcullis.telemetry.GatewayMetrics;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * {@code GET /metrics}: the Prometheus text exposition, behind a bearer token when
 * {@code metrics.auth} asks for one (else open, as scrapers expect by default).
 */
final class MetricsEndpoint implements Handler<RoutingContext> {
  private static final String BEARER = "bearer ";

  private final GatewayMetrics metrics;
  /** SHA-256 of the token, or null when /metrics is open. */
  private final byte[] tokenDigest;

  MetricsEndpoint(GatewayMetrics metrics, MetricsConfig config) {
    this.metrics = metrics;
    this.tokenDigest = config.auth() == null ? null : sha256(config.auth().token());
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (tokenDigest != null && !authorized(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))) {
      ctx.response().setStatusCode(401)
          .putHeader("www-authenticate", "Bearer realm=\"metrics\"")
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end("{\"error\":{\"message\":\"/metrics needs the metrics token: 'Authorization: Bearer TOKEN'.\","
              + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape());
  }

  private boolean authorized(String header) {
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return false;
    }
    // digests of equal length: the comparison's time says nothing about the token, not even its length
    return MessageDigest.isEqual(tokenDigest, sha256(header.substring(BEARER.length()).trim()));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
