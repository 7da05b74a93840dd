package dev.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.testing.GatewayHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two upstreams at once — a stdio child process (the demo server with fault tools) and a
 * Streamable HTTP server — aggregated behind /mcp, with their failures kept to themselves.
 */
class McpUpstreamsTest {
  static FakeHttpMcpServer remote;
  static GatewayHarness gw;
  static McpTestClient c;

  @BeforeAll
  static void start() throws Exception {
    remote = new FakeHttpMcpServer();
    String java = System.getProperty("java.home") + "/bin/java";
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { name: d, type: demo } ] }
        mcp:
          servers:
            local:
              type: stdio
              command: "%s"
              args: ["-cp", "%s", "dev.portcullis.mcp.demo.DemoStdioMain", "--faults"]
              timeout_ms: 3000
            remote:
              type: http
              url: %s
              alias: rem
              headers: { X-Upstream-Key: upstream-secret }
        """.formatted(java, System.getProperty("java.class.path"), remote.url()));
    c = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    c.initialize("2025-11-25");
    awaitLocalUp();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    remote.close();
  }

  static void awaitLocalUp() {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
        assertThat(McpTestClient.text(c.callTool("local__echo", "{\"text\":\"up\"}"))).isEqualTo("up"));
  }

  @Test
  void toolsOfBothUpstreamsAreMergedAndRoutedWithOriginalNames() throws Exception {
    List<String> names = new ArrayList<>();
    c.result("tools/list", null).path("tools").forEach(t -> names.add(t.path("name").asText()));
    assertThat(names).containsExactly("local__echo", "local__add", "local__countdown", "local__crash",
        "local__hang", "local__garbage", "local__binary", "local__crash-midway", "local__cancellations", "local__regional", "rem__echo", "rem__add", "rem__countdown");
    assertThat(McpTestClient.text(c.callTool("local__add", "{\"a\":1,\"b\":2}"))).isEqualTo("3");
    assertThat(McpTestClient.text(c.callTool("rem__echo", "{\"text\":\"over http\"}"))).isEqualTo("over http");
    assertThat(remote.seenHeaders).contains("upstream-secret");
    List<String> prompts = new ArrayList<>();
    c.result("prompts/list", null).path("prompts").forEach(p -> prompts.add(p.path("name").asText()));
    assertThat(prompts).containsExactly("local__greet", "rem__greet");
  }

  @Test
  void progressFromAnHttpUpstreamIsRelayedWithTheClientsToken() throws Exception {
    var r = c.post("{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"tools/call\",\"params\":{\"name\":\"rem__countdown\","
        + "\"arguments\":{\"n\":2},\"_meta\":{\"progressToken\":42}}}");
    assertThat(r.body()).contains("\"progressToken\":42").contains("Liftoff after 2 steps");
  }

  @Test
  void upstreamSessionIsPooledAndReinitializedAfter404() throws Exception {
    int before = remote.initializations.get();
    for (int i = 0; i < 5; i++) {
      assertThat(McpTestClient.text(c.callTool("rem__echo", "{\"text\":\"" + i + "\"}"))).isEqualTo("" + i);
    }
    assertThat(remote.initializations.get()).isEqualTo(before);
    remote.forgetSessions();
    assertThat(McpTestClient.text(c.callTool("rem__echo", "{\"text\":\"again\"}"))).isEqualTo("again");
    assertThat(remote.initializations.get()).isEqualTo(before + 1);
  }

  @Test
  void garbageOnStdoutIsSkipped() throws Exception {
    awaitLocalUp();
    assertThat(McpTestClient.text(c.callTool("local__garbage", "{}"))).isEqualTo("said something odd first");
  }

  @Test
  void hangingStdioCallTimesOutWhileOthersWork() throws Exception {
    awaitLocalUp();
    long t0 = System.nanoTime();
    JsonNode r = c.callTool("local__hang", "{}");
    assertThat(r.path("error").path("code").asInt()).isEqualTo(McpError.UPSTREAM_TIMEOUT);
    assertThat(r.path("error").path("message").asText()).contains("local").contains("3000 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    assertThat(McpTestClient.text(c.callTool("local__echo", "{\"text\":\"still\"}"))).isEqualTo("still");
  }

  @Test
  void crashingStdioServerFailsItsCallAndIsRestarted() throws Exception {
    awaitLocalUp();
    JsonNode r = c.callTool("local__crash", "{}");
    assertThat(r.path("error").path("code").asInt()).isEqualTo(McpError.UPSTREAM_UNAVAILABLE);
    assertThat(r.path("error").path("message").asText()).contains("local").contains("exit");
    assertThat(McpTestClient.text(c.callTool("rem__echo", "{\"text\":\"fine\"}"))).isEqualTo("fine");
    awaitLocalUp();
  }

  @Test
  void http500AndDroppedStreamsBecomeJsonRpcErrors() throws Exception {
    remote.fail500 = true;
    try {
      JsonNode r = c.callTool("rem__echo", "{\"text\":\"x\"}");
      assertThat(r.path("error").path("code").asInt()).isEqualTo(McpError.UPSTREAM_UNAVAILABLE);
      assertThat(r.path("error").path("message").asText()).contains("HTTP 500");
    } finally {
      remote.fail500 = false;
    }
    awaitLocalUp();
    remote.dropStreams = true;
    try {
      JsonNode r = c.callTool("rem__echo", "{\"text\":\"x\"}");
      assertThat(r.path("error").path("message").asText()).contains("closed the stream before answering");
    } finally {
      remote.dropStreams = false;
    }
    assertThat(McpTestClient.text(c.callTool("rem__echo", "{\"text\":\"back\"}"))).isEqualTo("back");
  }
}
