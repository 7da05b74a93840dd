package dev.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's stdout log appender: every line logged from many threads reaches stdout whole,
 * once, in each thread's order, within its flush interval; what is queued is written when the
 * appender stops; lines beyond the queue are dropped and the drop is itself logged.
 */
class BatchedStdoutAppenderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream before;
  private LoggerContext context;

  @BeforeEach
  void captureStdout() {
    before = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
  }

  @AfterEach
  void restoreStdout() {
    context.stop();
    System.setOut(before);
  }

  private BatchedStdoutAppender appender(int queueSize, long flushMs) {
    JsonLogEncoder encoder = new JsonLogEncoder();
    encoder.setContext(context);
    encoder.start();
    BatchedStdoutAppender a = new BatchedStdoutAppender();
    a.setContext(context);
    a.setName("test");
    a.setEncoder(encoder);
    a.setQueueSize(queueSize);
    a.setFlushMs(flushMs);
    a.start();
    Logger logger = context.getLogger("test.lines");
    logger.addAppender(a);
    return a;
  }

  private List<JsonNode> lines() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isEmpty()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  @Test
  void everyLineFromManyThreadsArrivesWholeOnceAndInEachThreadsOrder() throws Exception {
    appender(100_000, 20);
    org.slf4j.Logger log = context.getLogger("test.lines");
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      Thread writer = new Thread(() -> {
        for (int i = 0; i < 5_000; i++) {
          log.atInfo().addKeyValue("thread", thread).addKeyValue("n", i).addKeyValue("text", "line \"" + i + "\"\n")
              .log("request");
        }
      });
      writer.start();
      threads.add(writer);
    }
    for (Thread t : threads) {
      t.join();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> lines().size() == 20_000);
    Map<Integer, Integer> next = new HashMap<>();
    for (JsonNode line : lines()) {
      int thread = line.get("thread").asInt();
      int n = line.get("n").asInt();
      assertThat(n).as("thread %d's lines in order", thread).isEqualTo(next.getOrDefault(thread, 0));
      assertThat(line.get("text").asText()).isEqualTo("line \"" + n + "\"\n");
      next.put(thread, n + 1);
    }
  }

  @Test
  void aLineWaitsAtMostTheFlushIntervalAndWhatIsQueuedIsWrittenOnStop() throws Exception {
    BatchedStdoutAppender a = appender(100, 60_000);
    org.slf4j.Logger log = context.getLogger("test.lines");
    log.info("first");
    Thread.sleep(200);
    // the writer sleeps for a minute between batches: the line is still queued
    assertThat(lines()).isEmpty();
    a.stop();
    assertThat(lines()).extracting(l -> l.get("msg").asText()).containsExactly("first");
  }

  @Test
  void linesBeyondTheQueueAreDroppedAndTheDropIsLogged() throws Exception {
    BatchedStdoutAppender a = appender(10, 60_000);
    org.slf4j.Logger log = context.getLogger("test.lines");
    for (int i = 0; i < 25; i++) {
      log.info("line {}", i);
    }
    a.stop();
    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(11);
    assertThat(lines.get(9).get("msg").asText()).isEqualTo("line 9");
    assertThat(lines.get(10).get("level").asText()).isEqualTo("WARN");
    assertThat(lines.get(10).get("dropped").asLong()).isEqualTo(15);
  }
}
