package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Splits a server-sent-events byte stream into whole events (each ending with a blank line),
 * whatever the chunking of the transport. Holds back only the bytes of an unfinished event, and
 * at most {@link #MAX_EVENT_BYTES} of them: an upstream that never ends its event cannot make the
 * gateway buffer without bound.
 */
public final class SseEventSplitter {
  /**
   * The largest single event accepted. Generous, because one event may carry a whole generated
   * image (Gemini sends inline image data in one event); the stream as a whole is capped by
   * {@code server.max_response_bytes}.
   */
  public static final int MAX_EVENT_BYTES = 16 * 1024 * 1024;

  private Buffer pending;

  /** Emits every event completed by {@code chunk}, each with its terminating blank line. */
  public void feed(Buffer chunk, Consumer<Buffer> onEvent) {
    Buffer data;
    int scanFrom;
    if (pending == null) {
      data = chunk;
      scanFrom = 0;
    } else {
      // The bytes held back were scanned already; only a terminator across the boundary is new.
      scanFrom = Math.max(0, pending.length() - 2);
      data = pending.appendBuffer(chunk);
      pending = null;
    }
    int len = data.length();
    int start = 0;
    for (int i = scanFrom; i < len; i++) {
      if (data.getByte(i) != '\n') {
        continue;
      }
      int end = -1;
      if (i + 1 < len && data.getByte(i + 1) == '\n') {
        end = i + 2;
      } else if (i + 2 < len && data.getByte(i + 1) == '\r' && data.getByte(i + 2) == '\n') {
        end = i + 3;
      }
      if (end > 0) {
        checkSize(end - start);
        onEvent.accept(data.slice(start, end));
        start = end;
        i = end - 1;
      }
    }
    if (start < len) {
      checkSize(len - start);
      // An event growing over many chunks keeps its buffer (nothing was sliced from it); a tail
      // after whole events is copied, as the events handed out share the bytes before it.
      pending = start == 0 && data != chunk ? data
          : Buffer.buffer(len - start + 256).appendBuffer(data, start, len - start);
    }
  }

  private void checkSize(int eventBytes) {
    if (eventBytes > MAX_EVENT_BYTES) {
      throw new InvalidUpstreamResponseException("a stream event is larger than " + MAX_EVENT_BYTES + " bytes");
    }
  }

  /**
   * The event the stream ended in the middle of (no blank line after it), terminated with one so
   * that it is well-formed if relayed; null when the stream ended cleanly between events. It may
   * be whole (a server that omits the last blank line) or cut short: the caller judges its payload.
   */
  public Buffer remainder() {
    Buffer r = pending;
    pending = null;
    if (r == null) {
      return null;
    }
    int end = r.length();
    while (end > 0 && (r.getByte(end - 1) == '\n' || r.getByte(end - 1) == '\r')) {
      end--;
    }
    return end == 0 ? null : r.slice(0, end).copy().appendString("\n\n");
  }

  /**
   * Refuses an event with a line that is neither a comment nor one of the SSE fields (data, event,
   * id, retry). The SSE format would ignore such a line, but from an LLM upstream it means the body
   * is not an event stream at all (a JSON error, an HTML page), and relays must not pass it on.
   */
  public static void requireEventFields(Buffer event) {
    String text = event.toString(java.nio.charset.StandardCharsets.UTF_8);
    for (String line : text.split("\r?\n")) {
      if (!line.isEmpty() && !line.startsWith(":") && !line.startsWith("data") && !line.startsWith("event")
          && !line.startsWith("id") && !line.startsWith("retry")) {
        throw new InvalidUpstreamResponseException("the stream carries a line that is not an event field: "
            + (line.length() > 80 ? line.substring(0, 80) + "..." : line));
      }
    }
  }

  /** The event's {@code event:} field (its type), or null when it has none. */
  public static String type(Buffer event) {
    String text = event.toString(java.nio.charset.StandardCharsets.UTF_8);
    int pos = 0;
    while (pos < text.length()) {
      int nl = text.indexOf('\n', pos);
      int lineEnd = nl < 0 ? text.length() : nl;
      if (text.startsWith("event:", pos)) {
        return text.substring(pos + 6, lineEnd).strip();
      }
      pos = lineEnd + 1;
    }
    return null;
  }

  /**
   * The payload of an event's {@code data:} lines (joined by newlines), or null when it has none.
   * Comment lines and other fields (event, id, retry) are skipped.
   */
  public static String data(Buffer event) {
    String text = event.toString(java.nio.charset.StandardCharsets.UTF_8);
    StringBuilder out = null;
    int pos = 0;
    int len = text.length();
    while (pos < len) {
      int nl = text.indexOf('\n', pos);
      int lineEnd = nl < 0 ? len : nl;
      int contentEnd = lineEnd > pos && text.charAt(lineEnd - 1) == '\r' ? lineEnd - 1 : lineEnd;
      if (text.startsWith("data:", pos)) {
        int s = pos + 5;
        if (s < contentEnd && text.charAt(s) == ' ') {
          s++;
        }
        if (out == null) {
          out = new StringBuilder(contentEnd - s);
        } else {
          out.append('\n');
        }
        out.append(text, s, contentEnd);
      }
      pos = lineEnd + 1;
    }
    return out == null ? null : out.toString();
  }
}
