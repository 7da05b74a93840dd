package dev.portcullis.telemetry;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.slf4j.event.KeyValuePair;

/**
 * Encoding one access-log line, as every answered request writes one at the default INFO level
 * (on the log writer's thread, which shares the cores with the event loops).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AccessLineBench {
  private final JsonLogEncoder encoder = new JsonLogEncoder();
  private LoggingEvent event;

  @Setup
  public void setUp() {
    event = new LoggingEvent();
    event.setLoggerName("portcullis.access");
    event.setLevel(Level.INFO);
    event.setMessage("request");
    event.setTimeStamp(1_796_409_794_123L);
    Object[][] pairs = {{"request_id", "req_1a245396fe4fed412566e33f"}, {"method", "POST"},
        {"path", "/v1/chat/completions"}, {"status", 200}, {"outcome", "ok"}, {"duration_ms", 0.209115395},
        {"principal", "config-key-1"}, {"bytes_in", 68L}, {"bytes_out", 601L}, {"model", "demo"},
        {"deployment", "demo-1"}, {"prompt_tokens", 10L}, {"completion_tokens", 16L}};
    for (Object[] p : pairs) {
      event.addKeyValuePair(new KeyValuePair((String) p[0], p[1]));
    }
  }

  @Benchmark
  public byte[] encode() {
    return encoder.encode(event);
  }
}
