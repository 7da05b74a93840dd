package dev.portcullis.llm.wire.openai;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Asks a streamed chat completion for its usage by writing {@code "stream_options":
 * {"include_usage":true}} into the client's bytes, right after the body's opening brace, instead of
 * copying the parsed body and serialising it again: that copy was the largest cost a stream paid
 * before its first byte, and grows with the conversation. Only for a body without
 * {@code stream_options} (the one parse of the body refused duplicate keys, so the member added
 * is the only one of its name); anything else goes through the copy.
 */
final class StreamUsageSplice {
  private static final byte[] MEMBER = "\"stream_options\":{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII);

  private StreamUsageSplice() {}

  /**
   * The body with the member added, or null when its first character (after JSON white space) is
   * not the object's opening brace.
   *
   * @param emptyObject whether the body has no members (no comma then after the one added)
   */
  static Buffer ask(Buffer raw, boolean emptyObject) {
    int n = raw.length();
    int i = 0;
    while (i < n && isJsonSpace(raw.getByte(i))) {
      i++;
    }
    if (i >= n || raw.getByte(i) != '{') {
      return null;
    }
    Buffer out = Buffer.buffer(n + MEMBER.length + 1);
    out.appendBuffer(raw, 0, i + 1).appendBytes(MEMBER);
    if (!emptyObject) {
      out.appendByte((byte) ',');
    }
    return out.appendBuffer(raw, i + 1, n - i - 1);
  }

  private static boolean isJsonSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
  }
}
