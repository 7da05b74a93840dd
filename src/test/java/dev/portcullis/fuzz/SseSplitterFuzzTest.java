package dev.portcullis.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.portcullis.llm.SseEventSplitter;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The upstream SSE splitter takes bytes from a provider we do not control, cut anywhere by the
 * transport. Whatever arrives, it must neither throw nor lose or invent a byte: the events it
 * emits are the input's leading whole events, each ending with a blank line, and the remainder is
 * the rest of the input (its trailing line ends replaced by one blank line), or null when only line
 * ends are left.
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
    byte[] events = seen.getBytes();
    assertThat(java.util.Arrays.copyOf(input, events.length)).as("the events are the input's start").isEqualTo(events);
    String rest = new String(input, events.length, input.length - events.length, StandardCharsets.ISO_8859_1);
    String trimmed = rest.replaceAll("[\\r\\n]+\\z", "");
    Buffer remainder = splitter.remainder();
    if (trimmed.isEmpty()) {
      assertThat(remainder).as("only line ends were left").isNull();
    } else {
      assertThat(remainder).as("the unfinished event").isNotNull();
      SseEventSplitter.data(remainder);
      assertThat(remainder.toString(StandardCharsets.ISO_8859_1)).isEqualTo(trimmed + "\n\n");
    }
  }

  private static boolean endsWithBlankLine(Buffer event) {
    int n = event.length();
    return n >= 2 && event.getByte(n - 1) == '\n'
        && (event.getByte(n - 2) == '\n' || n >= 3 && event.getByte(n - 2) == '\r' && event.getByte(n - 3) == '\n');
  }
}
