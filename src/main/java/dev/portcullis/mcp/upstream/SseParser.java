package dev.portcullis.mcp.upstream;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** Splits a Server-Sent Events byte stream into events, chunk by chunk. */
public final class SseParser {
  /** One complete event. */
  public interface Listener {
    void event(String type, String data, String id);
  }

  private final Listener listener;
  private final long maxEventBytes;
  private final StringBuilder line = new StringBuilder();
  private final StringBuilder data = new StringBuilder();
  private String type;
  private String lastId;
  private String pendingId;
  private boolean sawCr;
  private long retryMs = -1;

  public SseParser(Listener listener, long maxEventBytes) {
    this.listener = listener;
    this.maxEventBytes = maxEventBytes;
  }

  public String lastEventId() {
    return lastId;
  }

  public long retryMs() {
    return retryMs;
  }

  public void feed(Buffer chunk) {
    String s = chunk.toString(StandardCharsets.UTF_8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n' && sawCr) {
        sawCr = false;
        continue;
      }
      sawCr = c == '\r';
      if (c == '\n' || c == '\r') {
        line(line.toString());
        line.setLength(0);
      } else {
        line.append(c);
        if (line.length() + data.length() > maxEventBytes) {
          throw new IllegalStateException("SSE event larger than " + maxEventBytes + " bytes");
        }
      }
    }
  }

  private void line(String l) {
    if (l.isEmpty()) {
      if (pendingId != null) {
        lastId = pendingId;
      }
      if (data.length() > 0) {
        String d = data.charAt(data.length() - 1) == '\n' ? data.substring(0, data.length() - 1) : data.toString();
        listener.event(type == null ? "message" : type, d, lastId);
      }
      data.setLength(0);
      type = null;
      pendingId = null;
      return;
    }
    if (l.charAt(0) == ':') {
      return;
    }
    int colon = l.indexOf(':');
    String field = colon < 0 ? l : l.substring(0, colon);
    String value = colon < 0 ? "" : l.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data" -> data.append(value).append('\n');
      case "event" -> type = value;
      case "id" -> pendingId = value;
      case "retry" -> {
        try {
          retryMs = Long.parseLong(value.trim());
        } catch (NumberFormatException ignored) {
          // ignored per the SSE standard
        }
      }
      default -> { }
    }
  }
}
