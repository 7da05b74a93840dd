package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import dev.portcullis.testing.RawSockets;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Slow and idle clients through real sockets: a thousand of them that say nothing, send half a
 * request head or trickle a body are all closed by the server's deadlines while normal requests
 * keep succeeding; connections over the per-address and total caps are closed at once; answers
 * and streams that take longer than the timeouts are not cut, for the client's silence while the
 * gateway answers is not the client's fault.
 */
class SlowClientsTest {
  static final int SLOW_SOCKETS = 1_000;
  /** Attack sources: 250 sockets each, within the per-address cap of the first test. */
  static final List<String> ATTACKERS = List.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5");
  static final String CHAT_HEAD = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n";

  @Test
  void aThousandSlowSocketsAreClosedWhileNormalTrafficFlows() throws Exception {
    // Both ends of every socket live in this JVM: 2,000 descriptors for the attack, plus the gateway's own.
    var os = ManagementFactory.getOperatingSystemMXBean();
    // bin/test raises the soft limit; a machine where it cannot fails here rather than skipping the test
    assertThat(os instanceof com.sun.management.UnixOperatingSystemMXBean u
        && u.getMaxFileDescriptorCount() - u.getOpenFileDescriptorCount() > 2 * SLOW_SOCKETS + 500)
        .as("about 2,500 free file descriptors (ulimit -n)").isTrue();
    try (GatewayHarness gw = GatewayHarness.start("""
            server:
              timeouts: { idle_ms: 1500, header_read_ms: 1500, body_read_ms: 1500 }
              max_connections_per_address: 300
            models:
              demo:
                deployments: [ { type: demo } ]
            """);
        RawSockets attack = new RawSockets(gw.port(), 400)) {
      AtomicBoolean attacking = new AtomicBoolean(true);
      AtomicInteger served = new AtomicInteger();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread normal = new Thread(() -> {
        OpenAIClient sdk = gw.openAi();
        while (attacking.get() && failed.get() == null) {
          try {
            var answer = sdk.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("demo").addUserMessage("still there?").build());
            assertThat(answer.choices()).hasSize(1);
            served.incrementAndGet();
          } catch (Throwable e) {
            failed.set(e);
          }
        }
      }, "normal-traffic");

      for (int i = 0; i < SLOW_SOCKETS; i++) {
        String from = ATTACKERS.get(i % ATTACKERS.size());
        switch (i % 3) {
          case 0 -> attack.open(from, "", ""); // connects, says nothing
          case 1 -> attack.open(from, CHAT_HEAD + "X-Slow: ", "a"); // a head that never ends
          default -> attack.open(from, CHAT_HEAD + (i % 2 == 0 ? "Authorization: Bearer " + GatewayHarness.KEY
              + "\r\n" : "") + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", " ");
        }
        if (i == 100) {
          normal.start(); // while the attack builds up and is held
        }
      }

      await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(200))
          .untilAsserted(() -> assertThat(attack.stillOpen()).isZero());
      attacking.set(false);
      normal.join(30_000);
      assertThat(failed.get()).as("a normal request failed during the attack").isNull();
      assertThat(served.get()).isPositive();

      String metrics = gw.get("/metrics").body();
      assertThat(counter(metrics, "portcullis_connections_timed_out_total", "phase", "header"))
          .isGreaterThanOrEqualTo(2 * SLOW_SOCKETS / 3);
      assertThat(counter(metrics, "portcullis_connections_timed_out_total", "phase", "body"))
          .isGreaterThanOrEqualTo(SLOW_SOCKETS / 3);
      // and the gateway still answers on a fresh connection
      assertThat(gw.get("/healthz").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void connectionsOverTheCapsAreClosedAtOnce() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start("""
            server:
              max_connections_per_address: 20
              max_connections: 50
            models:
              demo:
                deployments: [ { type: demo } ]
            """);
        RawSockets sockets = new RawSockets(gw.port(), 60_000)) {
      for (int i = 0; i < 25; i++) {
        sockets.open("127.0.0.7", "", "");
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(closedByServer(sockets)).isEqualTo(5);
        assertThat(scrape(gw, "portcullis_connections_refused_total", "reason", "per_address")).isEqualTo(5);
        assertThat(gauge(gw, "portcullis_connections_open")).isEqualTo(20);
      });
      // another address is not affected by the first one's cap
      assertThat(httpGet(sockets, "127.0.0.1", "/healthz")).startsWith("HTTP/1.1 200");
      await().atMost(Duration.ofSeconds(10)).until(() -> gauge(gw, "portcullis_connections_open") == 20);

      for (int i = 0; i < 20; i++) {
        sockets.open("127.0.0.8", "", "");
      }
      for (int i = 0; i < 15; i++) {
        sockets.open("127.0.0.9", "", "");
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(scrape(gw, "portcullis_connections_refused_total", "reason", "max_connections")).isEqualTo(5);
        assertThat(closedByServer(sockets)).isEqualTo(5 + 5 + 1); // and the one that asked for /healthz
        assertThat(gauge(gw, "portcullis_connections_open")).isEqualTo(50);
      });

      // a slot freed is a slot for the next connection from that address
      RawSockets.Client held = sockets.clients().subList(0, 25).stream().filter(c -> !c.closedByServer())
          .findFirst().orElseThrow(); // one of 127.0.0.7's admitted twenty
      held.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> gauge(gw, "portcullis_connections_open") == 49);
      assertThat(httpGet(sockets, "127.0.0.7", "/healthz")).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void answersLongerThanTheTimeoutsAreNotCutButIdleConnectionsClose() throws Exception {
    try (FakeOpenAiUpstream fake = FakeOpenAiUpstream.start();
        GatewayHarness gw = GatewayHarness.start("""
            server:
              timeouts: { idle_ms: 1000, header_read_ms: 1000, body_read_ms: 1000 }
            models:
              slow:
                deployments: [ { type: openai_compatible, base_url: %s } ]
            """.formatted(fake.baseUrl()));
        RawSockets sockets = new RawSockets(gw.port(), 60_000)) {
      fake.enqueue(FakeOpenAiUpstream.slowStream(3, 1500),
          FakeOpenAiUpstream.slowFirstByte(2500, FakeOpenAiUpstream.ok()));
      ChatCompletionCreateParams ask = ChatCompletionCreateParams.builder().model("slow")
          .addUserMessage("take your time").build();

      // an SSE stream with an event every 1.5 s: the client rightly says nothing for 6 s
      StringBuilder text = new StringBuilder();
      try (StreamResponse<ChatCompletionChunk> stream = gw.openAi().chat().completions().createStreaming(ask)) {
        stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
      }
      assertThat(text.toString()).isEqualTo("w0 w1 w2 ");
      // an answer whose first byte takes 2.5 s
      assertThat(gw.openAi().chat().completions().create(ask).choices().get(0).message().content())
          .contains("Hello from the fake.");

      // a kept-alive connection without a next request is closed once idle_ms has passed
      RawSockets.Client idle = sockets.open("127.0.0.1", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "");
      await().atMost(Duration.ofSeconds(15)).until(idle::closedByServer);
      assertThat(idle.received()).startsWith("HTTP/1.1 200");
      assertThat(scrape(gw, "portcullis_connections_timed_out_total", "phase", "idle")).isPositive();
    }
  }

  @Test
  void aSilentMcpStreamOutlivesTheIdleTimeout() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start("""
            server:
              timeouts: { idle_ms: 1000, header_read_ms: 1000, body_read_ms: 1000 }
            mcp:
              servers:
                demo: { type: builtin }
            """);
        RawSockets sockets = new RawSockets(gw.port(), 60_000)) {
      McpTestClient mcp = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
      mcp.initialize("2025-06-18");
      // the session's standalone GET stream: the server sends only when it has something to say
      RawSockets.Client stream = sockets.open("127.0.0.1", "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Authorization: Bearer " + GatewayHarness.KEY + "\r\nAccept: text/event-stream\r\n"
          + "Mcp-Session-Id: " + mcp.session + "\r\nMcp-Protocol-Version: 2025-06-18\r\n\r\n", "");
      await().atMost(Duration.ofSeconds(15)).until(() -> stream.received().contains("\r\n\r\n"));
      assertThat(stream.received()).startsWith("HTTP/1.1 200").containsIgnoringCase("text/event-stream");
      Thread.sleep(3_500); // three idle timeouts and more, while the stream says nothing
      assertThat(stream.closedByServer()).isFalse();
      assertThat(mcp.callTool("demo__echo", "{\"text\":\"still here\"}").toString()).contains("still here");
      assertThat(scrape(gw, "portcullis_connections_timed_out_total", "phase", "body")).isZero();
      // hang up first: McpGateway.close ends open streams off their event loop, which Vert.x asserts against
      long open = gauge(gw, "portcullis_connections_open");
      stream.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> gauge(gw, "portcullis_connections_open") < open);
    }
  }

  /** Sends one GET with Connection: close from {@code from} and returns the whole response. */
  private static String httpGet(RawSockets sockets, String from, String path) throws Exception {
    RawSockets.Client c = sockets.open(from, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\n\r\n", "");
    await().atMost(Duration.ofSeconds(10)).until(c::closedByServer);
    return c.received();
  }

  private static long closedByServer(RawSockets sockets) {
    return sockets.clients().stream().filter(RawSockets.Client::closedByServer).count();
  }

  /** Read in-process, so that asking does not open (and count) a connection of its own. */
  private static long scrape(GatewayHarness gw, String name, String label, String value) {
    return counter(gw.gateway().metrics().scrape(), name, label, value);
  }

  private static long gauge(GatewayHarness gw, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.E+-]+)$").matcher(gw.gateway().metrics().scrape());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }

  static long counter(String exposition, String name, String label, String value) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\{" + label + "=\"" + value + "\",?\\} ([0-9.E+-]+)$")
        .matcher(exposition);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }
}
