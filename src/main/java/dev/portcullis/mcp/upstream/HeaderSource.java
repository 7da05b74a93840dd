package dev.portcullis.mcp.upstream;

import io.vertx.core.Future;
import java.util.Map;

/**
 * The headers an HTTP transport adds to every request upstream: fixed ones from configuration,
 * or a credential that may need fetching (an OAuth token) first. Wire-level only: what the
 * headers mean is decided elsewhere.
 */
public interface HeaderSource {
  /** The headers for the next request; fails with an McpError-worthy reason when none can be had. */
  Future<Map<String, String>> headers();

  /**
   * The upstream answered 401: forget whatever was cached. True when asking {@link #headers()}
   * again may help (the transport then retries the request once).
   */
  default boolean rejected() {
    return false;
  }

  /** Always the same headers. */
  static HeaderSource fixed(Map<String, String> headers) {
    Map<String, String> h = Map.copyOf(headers);
    Future<Map<String, String>> f = Future.succeededFuture(h);
    return () -> f;
  }
}
