package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Splits a server-sent-events byte stream into whole events (each ending with a blank line),
 * whatever the chunking of the transport. Holds back only the bytes of an unfinished event.
 */
public final class SseEventSplitter {
  private Buffer pending;

  /** Emits every event completed by {@code chunk}, each with its terminating blank line. */
  public void feed(Buffer chunk, Consumer<Buffer> onEvent) {
    Buffer data;
    if (pending == null) {
      data = chunk;
    } else {
      data = pending.appendBuffer(chunk);
      pending = null;
    }
    int len = data.length();
    int start = 0;
    for (int i = 0; i < len; i++) {
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
        onEvent.accept(data.slice(start, end));
        start = end;
        i = end - 1;
      }
    }
    if (start < len) {
      pending = Buffer.buffer(len - start + 256).appendBuffer(data, start, len - start);
    }
  }

  /** Bytes of an event the stream ended in the middle of, or null. */
  public Buffer remainder() {
    Buffer r = pending;
    pending = null;
    return r;
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
