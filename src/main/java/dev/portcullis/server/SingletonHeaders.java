package dev.portcullis.server;

import io.vertx.core.MultiMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Request headers the gateway decides on, which a client may send only once. Two
 * {@code Authorization} or {@code x-portcullis-persona} headers leave it to each reader which one
 * counts (the gateway, a proxy in front, an upstream behind), and a security decision must not
 * depend on which copy a component happens to read: the request is refused instead.
 */
final class SingletonHeaders {
  static final List<String> NAMES = List.of("authorization", "proxy-authorization", "x-api-key",
      "x-portcullis-persona", "content-type", "content-encoding", "host", "origin", "anthropic-version",
      "mcp-session-id", "mcp-protocol-version", "mcp-method", "mcp-name", "last-event-id");

  private static final Map<String, Integer> INDEX = new HashMap<>();

  static {
    for (int i = 0; i < NAMES.size(); i++) {
      INDEX.put(NAMES.get(i), i);
    }
  }

  private SingletonHeaders() {}

  /**
   * The first header of {@link #NAMES} the request carries more than once, or null. One pass over
   * the request's headers (every request pays for this check), not a lookup per name.
   */
  static String repeated(MultiMap headers) {
    int seen = 0;
    int twice = 0;
    for (Map.Entry<String, String> header : headers) {
      Integer i = INDEX.get(header.getKey().toLowerCase(Locale.ROOT));
      if (i != null) {
        int bit = 1 << i;
        twice |= seen & bit;
        seen |= bit;
      }
    }
    return twice == 0 ? null : NAMES.get(Integer.numberOfTrailingZeros(twice));
  }
}
