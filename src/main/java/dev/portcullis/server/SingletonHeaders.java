package dev.portcullis.server;

import io.vertx.core.MultiMap;
import java.util.List;

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

  private SingletonHeaders() {}

  /** The first header of {@link #NAMES} the request carries more than once, or null. */
  static String repeated(MultiMap headers) {
    for (String name : NAMES) {
      if (headers.getAll(name).size() > 1) {
        return name;
      }
    }
    return null;
  }
}
