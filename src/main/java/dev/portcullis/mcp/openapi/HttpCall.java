package dev.portcullis.mcp.openapi;

import java.util.List;
import java.util.Map;

/**
 * One HTTP request, ready to send.
 *
 * @param method upper-case method
 * @param url absolute URL with its encoded path and query
 * @param headers names and values in order (a name may repeat)
 * @param body the bytes to send, or null
 */
public record HttpCall(String method, String url, List<Map.Entry<String, String>> headers, byte[] body) {
  public HttpCall {
    headers = List.copyOf(headers);
  }

  public String header(String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  /** Whether the method is one that may be sent twice with the same effect. */
  public boolean idempotent() {
    return switch (method) {
      case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE" -> true;
      default -> false;
    };
  }
}
