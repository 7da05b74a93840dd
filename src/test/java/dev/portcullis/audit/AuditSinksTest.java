package dev.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.portcullis.config.AuditConfig;
import dev.portcullis.telemetry.GatewayMetrics;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import dev.portcullis.testing.OtlpCollector;
import java.io.DataInputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The audit export sinks, each against a receiver in the test: RFC 5424 syslog over UDP and TCP,
 * a signed, batched, retried webhook, and OTLP log records; a sink that falls behind drops and
 * counts, and never holds up the audit writer.
 */
class AuditSinksTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern RFC5424 = Pattern.compile(
      "<(\\d+)>1 (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z) (\\S+) (\\S+) (\\d+) (\\S+) - (\\{.*\\})");

  static List<AuditEvent> chained(int n) {
    List<AuditEvent> out = new ArrayList<>();
    String prev = AuditEvent.GENESIS;
    for (int i = 1; i <= n; i++) {
      AuditEvent e = AuditEvent.builder("id-" + i, "call", "llm").action("chat_completions").target("gpt-x")
          .who("user-1", "static_key", null, null).outcome("ok", 200, 12L)
          .decision(i % 2 == 0 ? "deny" : "allow", i % 2 == 0 ? "guard_blocked: EMAIL" : null, null).build()
          .chained(i, prev, ChainDigest.keyed(TestKeys.CHAIN));
      prev = e.hash();
      out.add(e);
    }
    return out;
  }

  @Test
  void syslogOverUdpIsRfc5424WithTheEventAsJson() throws Exception {
    try (DatagramSocket receiver = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        SyslogAuditSink sink = new SyslogAuditSink(new AuditConfig.SyslogSink("127.0.0.1", receiver.getLocalPort(),
            "udp", "pc-test"), QueuedSink.Drops.NONE)) {
      receiver.setSoTimeout(5000);
      sink.accept(chained(2));
      List<String> got = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        DatagramPacket p = new DatagramPacket(new byte[65536], 65536);
        receiver.receive(p);
        got.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
      }
      Matcher allow = RFC5424.matcher(got.get(0));
      assertThat(allow.matches()).as(got.get(0)).isTrue();
      assertThat(allow.group(1)).isEqualTo("110"); // facility 13 (log audit), severity 6 (informational)
      assertThat(allow.group(4)).isEqualTo("pc-test");
      assertThat(allow.group(5)).isEqualTo(Long.toString(ProcessHandle.current().pid()));
      assertThat(allow.group(6)).isEqualTo("llm.call");
      JsonNode event = JSON.readTree(allow.group(7));
      assertThat(event.get("seq").asLong()).isEqualTo(1);
      assertThat(event.get("hash").asText()).hasSize(64);
      Matcher deny = RFC5424.matcher(got.get(1));
      assertThat(deny.matches()).isTrue();
      assertThat(deny.group(1)).isEqualTo("108"); // a denial is a warning
      assertThat(JSON.readTree(deny.group(7)).get("reason").asText()).isEqualTo("guard_blocked: EMAIL");
    }
  }

  @Test
  void syslogOverTcpIsOctetCounted() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        SyslogAuditSink sink = new SyslogAuditSink(new AuditConfig.SyslogSink("127.0.0.1", server.getLocalPort(),
            "tcp", null), QueuedSink.Drops.NONE)) {
      server.setSoTimeout(5000);
      sink.accept(chained(3));
      try (Socket s = server.accept()) {
        s.setSoTimeout(5000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        for (int i = 1; i <= 3; i++) {
          StringBuilder len = new StringBuilder();
          for (int c = in.read(); c != ' '; c = in.read()) {
            len.append((char) c);
          }
          byte[] msg = new byte[Integer.parseInt(len.toString())];
          in.readFully(msg);
          Matcher m = RFC5424.matcher(new String(msg, StandardCharsets.UTF_8));
          assertThat(m.matches()).isTrue();
          assertThat(m.group(4)).isEqualTo("portcullis");
          assertThat(JSON.readTree(m.group(7)).get("seq").asLong()).isEqualTo(i);
        }
      }
    }
  }

  @Test
  void webhookPostsSignedBatchesAndRetriesFailures() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    BlockingQueue<String[]> received = new LinkedBlockingQueue<>(); // body, timestamp, signature, custom header
    AtomicInteger calls = new AtomicInteger();
    server.createContext("/audit", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      received.add(new String[] {new String(body, StandardCharsets.UTF_8),
          ex.getRequestHeaders().getFirst("X-Portcullis-Timestamp"),
          ex.getRequestHeaders().getFirst("X-Portcullis-Signature"),
          ex.getRequestHeaders().getFirst("Authorization")});
      int n = calls.incrementAndGet();
      int status = n == 1 ? 503 : n == 3 ? 400 : 204; // first try fails, the retry succeeds; the third is refused
      ex.sendResponseHeaders(status, -1);
      ex.close();
    });
    server.start();
    AtomicInteger failedDrops = new AtomicInteger();
    try (WebhookAuditSink sink = new WebhookAuditSink(new AuditConfig.WebhookSink("http://127.0.0.1:"
        + server.getAddress().getPort() + "/audit", Map.of("Authorization", "Bearer siem"), 10, "s3cret", 3),
        (s, reason, n) -> failedDrops.addAndGet("failed".equals(reason) ? n : 0), 10)) {
      List<AuditEvent> events = chained(4);
      sink.accept(events);
      String[] first = received.poll(5, TimeUnit.SECONDS);
      String[] retry = received.poll(5, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(retry).isNotNull();
      assertThat(retry[0]).isEqualTo(first[0]); // the same batch again
      JsonNode batch = JSON.readTree(retry[0]);
      assertThat(batch.isArray()).isTrue();
      assertThat(batch).hasSize(4);
      assertThat(batch.get(0).get("seq").asLong()).isEqualTo(1);
      assertThat(batch.get(3).get("hash").asText()).isEqualTo(events.get(3).hash());
      assertThat(retry[2]).isEqualTo("sha256=" + WebhookAuditSink.sign("s3cret", retry[1],
          retry[0].getBytes(StandardCharsets.UTF_8)));
      assertThat(Long.parseLong(retry[1])).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
      assertThat(retry[3]).isEqualTo("Bearer siem");

      sink.accept(chained(1)); // refused with 400: dropped at once, not retried
      assertThat(received.poll(5, TimeUnit.SECONDS)).isNotNull();
      waitFor(() -> failedDrops.get() == 1);
      assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
      assertThat(sink.delivered()).isEqualTo(4);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aSinkThatFallsBehindDropsAndCountsWithoutBlocking() throws Exception {
    GatewayMetrics metrics = new GatewayMetrics();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch sending = new CountDownLatch(1);
    class Stuck extends QueuedSink {
      Stuck() {
        super("stuck", 5, 1, metrics::auditSinkDropped);
        startThread();
      }

      @Override
      protected void send(List<AuditRecord> batch) throws Exception {
        sending.countDown();
        release.await();
      }
    }
    try (Stuck sink = new Stuck()) {
      List<AuditEvent> events = chained(20);
      sink.accept(events.subList(0, 1));
      assertThat(sending.await(5, TimeUnit.SECONDS)).isTrue(); // the thread is stuck on event 1
      long start = System.nanoTime();
      sink.accept(events.subList(1, 20));
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
      assertThat(sink.dropped()).isEqualTo(14); // 5 queued, 14 dropped
      assertThat(metrics.scrape()).contains("portcullis_audit_sink_dropped_total{reason=\"queue_full\",sink=\"stuck\"} 14.0");
      release.countDown();
    }
  }

  @Test
  void theGatewayExportsCommittedEventsToSyslogWebhookAndOtlpLogs() throws Exception {
    Path dir = Files.createTempDirectory("audit-sinks");
    HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
    hook.createContext("/", ex -> {
      bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    hook.start();
    String trace = "5bf92f3577b34da6a3ce929d0e0e4736";
    try (DatagramSocket syslog = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        FakeOpenAiUpstream fake = FakeOpenAiUpstream.start();
        OtlpCollector otlp = OtlpCollector.start();
        GatewayHarness gw = GatewayHarness.start("""
            models:
              gpt-a:
                deployments:
                  - type: openai_compatible
                    base_url: %s
            store:
              url: "jdbc:sqlite:%s"
            telemetry:
              otlp:
                endpoint: %s
            audit:
              flush_ms: 50
              otel_logs: true
              checkpoints: { every_events: 1 }
              syslog:
                host: 127.0.0.1
                port: %d
              webhook:
                url: http://127.0.0.1:%d/hook
                secret: k
            """.formatted(fake.baseUrl(), dir.resolve("g.db"), otlp.endpoint(), syslog.getLocalPort(),
            hook.getAddress().getPort()))) {
      syslog.setSoTimeout(5000);
      var r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
          .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json")
          .header("traceparent", "00-" + trace + "-00f067aa0ba902b7-01")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-a\",\"messages\":[{\"role\":\"user\","
              + "\"content\":\"hi\"}]}")).build());
      assertThat(r.statusCode()).isEqualTo(200);

      DatagramPacket p = new DatagramPacket(new byte[65536], 65536);
      syslog.receive(p);
      Matcher m = RFC5424.matcher(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
      assertThat(m.matches()).isTrue();
      JsonNode viaSyslog = JSON.readTree(m.group(7));
      assertThat(viaSyslog.get("trace_id").asText()).isEqualTo(trace);
      assertThat(viaSyslog.get("target").asText()).isEqualTo("gpt-a");

      JsonNode firstPost = JSON.readTree(bodies.poll(5, TimeUnit.SECONDS));
      JsonNode viaHook = firstPost.get(0);
      assertThat(viaHook.get("hash").asText()).isEqualTo(viaSyslog.get("hash").asText());

      // the checkpoint of the head follows the event it covers, on every sink
      syslog.receive(p);
      Matcher cp = RFC5424.matcher(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
      assertThat(cp.matches()).isTrue();
      assertThat(cp.group(1)).isEqualTo("109"); // facility 13 (log audit), severity 5 (notice)
      assertThat(cp.group(6)).isEqualTo("audit.checkpoint");
      JsonNode checkpoint = JSON.readTree(cp.group(7));
      assertThat(checkpoint.get("type").asText()).isEqualTo("checkpoint");
      assertThat(checkpoint.get("seq").asLong()).isEqualTo(viaSyslog.get("seq").asLong());
      assertThat(checkpoint.get("hash").asText()).isEqualTo(viaSyslog.get("hash").asText());
      assertThat(gw.gateway().audit().signer().open(checkpoint.get("jws").asText()).hash())
          .isEqualTo(viaSyslog.get("hash").asText()); // what is signed, not just what is shown
      // in the same POST as the event (a batch lingers 100 ms), or the next one
      String hooked = firstPost.size() > 1 ? firstPost.toString() : bodies.poll(5, TimeUnit.SECONDS);
      assertThat(hooked).contains("\"type\":\"checkpoint\"").contains(checkpoint.get("jws").asText());
      assertThat(otlp.awaitLogs(l -> l.stream().anyMatch(x -> "portcullis.audit.checkpoint".equals(x.eventName()))))
          .anyMatch(x -> x.body().contains(checkpoint.get("jws").asText()));

      var logs = otlp.awaitLogs(l -> !l.isEmpty());
      var log = logs.get(0);
      assertThat(log.eventName()).isEqualTo("portcullis.audit");
      assertThat(log.severityText()).isEqualTo("INFO");
      assertThat(log.attributes()).containsEntry("portcullis.audit.surface", "llm")
          .containsEntry("portcullis.audit.decision", "allow")
          .containsEntry("portcullis.trace_id", trace)
          .containsEntry("portcullis.audit.hash", viaSyslog.get("hash").asText());
      assertThat(JSON.readTree(log.body()).get("request_id").asText())
          .isEqualTo(r.headers().firstValue("x-request-id").orElseThrow());
      // and the call's spans went to the same collector, in the client's trace
      assertThat(otlp.awaitSpans(s -> s.size() >= 2)).allMatch(s -> s.traceId().equals(trace));
    } finally {
      hook.stop(0);
    }
  }

  static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met in time");
      }
      Thread.sleep(10);
    }
  }
}
