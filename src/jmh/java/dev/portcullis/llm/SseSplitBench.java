package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Splitting a streamed chat completion into events: 64 OpenAI chunk events, delivered either one
 * whole event per transport chunk (the usual case on loopback) or cut every 37 bytes (events
 * straddling chunks, so the splitter holds back and joins).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SseSplitBench {
  private static final int EVENTS = 64;
  private static final int CUT = 37;

  private Buffer[] wholeEvents;
  private Buffer[] cutChunks;

  @Setup
  public void setUp() {
    String event = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
        + "\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},\"finish_reason\":null}]}\n\n";
    wholeEvents = new Buffer[EVENTS];
    for (int i = 0; i < EVENTS; i++) {
      wholeEvents[i] = Buffer.buffer(event);
    }
    byte[] all = event.repeat(EVENTS).getBytes(StandardCharsets.UTF_8);
    cutChunks = new Buffer[(all.length + CUT - 1) / CUT];
    for (int i = 0; i < cutChunks.length; i++) {
      int from = i * CUT;
      cutChunks[i] = Buffer.buffer().appendBytes(all, from, Math.min(CUT, all.length - from));
    }
    int[] seen = {0};
    SseEventSplitter check = new SseEventSplitter();
    for (Buffer c : cutChunks) {
      check.feed(c, e -> seen[0]++);
    }
    if (seen[0] != EVENTS || check.remainder() != null) {
      throw new IllegalStateException("the splitter found " + seen[0] + " events, not " + EVENTS);
    }
  }

  @Benchmark
  public void oneEventPerChunk(Blackhole bh) {
    SseEventSplitter splitter = new SseEventSplitter();
    for (Buffer c : wholeEvents) {
      splitter.feed(c, bh::consume);
    }
  }

  @Benchmark
  public void eventsAcrossChunks(Blackhole bh) {
    SseEventSplitter splitter = new SseEventSplitter();
    for (Buffer c : cutChunks) {
      splitter.feed(c, bh::consume);
    }
  }
}
