package dev.portcullis.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.portcullis.llm.SseEventSplitter;
import io.vertx.core.buffer.Buffer;

/**
 * The upstream SSE splitter takes bytes from a provider we do not control, cut anywhere by the
 * transport. Whatever arrives, it must neither throw nor lose or invent a byte: the events it
 * emits plus its remainder are exactly the input, and each event ends with a blank line.
 */
class SseSplitterFuzzTest {

  @FuzzTest(maxDuration = "20s")
  void splitsAnyChunkingWithoutLosingBytes(FuzzedDataProvider data) {
    byte[] input = data.consumeBytes(8192);
    SseEventSplitter splitter = new SseEventSplitter();
    Buffer seen = Buffer.buffer();
    int pos = 0;
    while (pos < input.length) {
      int n = Math.min(input.length - pos, 1 + data.consumeInt(0, 64));
      splitter.feed(Buffer.buffer().appendBytes(input, pos, n), event -> {
        assertThat(endsWithBlankLine(event)).as("an emitted event ends with a blank line").isTrue();
        SseEventSplitter.data(event); // must not throw on any event
        seen.appendBuffer(event);
      });
      pos += n;
    }
    Buffer rest = splitter.remainder();
    if (rest != null) {
      SseEventSplitter.data(rest);
      seen.appendBuffer(rest);
    }
    assertThat(seen.getBytes()).isEqualTo(input);
  }

  private static boolean endsWithBlankLine(Buffer event) {
    int n = event.length();
    return n >= 2 && event.getByte(n - 1) == '\n'
        && (event.getByte(n - 2) == '\n' || n >= 3 && event.getByte(n - 2) == '\r' && event.getByte(n - 3) == '\n');
  }
}
