package dev.portcullis.mcp.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Newline-delimited lines of a child process's output, each held only up to a cap. A reader's
 * {@code readLine} keeps everything until a newline comes: a server printing binary, or one huge
 * line, would take the gateway's memory. Here the rest of a line over the cap is skipped.
 */
final class BoundedLines {
  /** One line: its text, or none when it was longer than the cap (and skipped). */
  record Line(String text) {
    boolean oversized() {
      return text == null;
    }
  }

  private final InputStream in;
  private final int maxBytes;
  private final byte[] buf = new byte[8192];
  private int pos;
  private int len;

  BoundedLines(InputStream in, int maxBytes) {
    this.in = in;
    this.maxBytes = maxBytes;
  }

  /** The next line (without its line end), or null at the end of the stream. */
  Line next() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    boolean oversized = false;
    boolean any = false;
    while (true) {
      if (pos == len) {
        len = in.read(buf);
        pos = 0;
        if (len <= 0) {
          len = 0;
          return any ? done(line, oversized) : null;
        }
      }
      any = true;
      int start = pos;
      while (pos < len && buf[pos] != '\n') {
        pos++;
      }
      if (!oversized) {
        if (line.size() + (pos - start) > maxBytes) {
          oversized = true;
          line.reset();
        } else {
          line.write(buf, start, pos - start);
        }
      }
      if (pos < len) {
        pos++; // the newline
        return done(line, oversized);
      }
    }
  }

  private static Line done(ByteArrayOutputStream line, boolean oversized) {
    if (oversized) {
      return new Line(null);
    }
    byte[] b = line.toByteArray();
    int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
    return new Line(new String(b, 0, n, StandardCharsets.UTF_8));
  }
}
