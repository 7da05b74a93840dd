package dev.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.testing.GatewayHarness;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A legacy HTTP+SSE upstream (server-everything in sse mode): GET the stream, POST to its endpoint. */
class McpSseUpstreamTest {
  static int port;
  static Process everything;
  static GatewayHarness gw;

  static Process startEverything() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(NodeSupport.node(), NodeSupport.everythingScript(), "sse")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PORT", String.valueOf(port));
    Process p = pb.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return true;
      } catch (java.io.IOException e) {
        return false;
      }
    });
    return p;
  }

  @BeforeAll
  static void start() throws Exception {
    NodeSupport.node();
    port = NodeSupport.freePort();
    everything = startEverything();
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { name: d, type: demo } ] }
        mcp:
          servers:
            old: { type: sse, url: "http://127.0.0.1:%d/sse", timeout_ms: 10000 }
        """.formatted(port));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) { // null when Node is missing and the class was skipped
      gw.close();
    }
    if (everything != null) {
      everything.destroy();
    }
  }

  @Test
  void toolsOfAnSseServerAreServedToBothEras() throws Exception {
    McpTestClient c = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    c.initialize("2025-06-18");
    assertThat(c.result("tools/list", null).toString()).contains("old__echo", "old__get-sum");
    assertThat(McpTestClient.text(c.callTool("old__echo", "{\"message\":\"over sse\"}"))).isEqualTo("Echo: over sse");
    var r = c.post("{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"tools/call\",\"params\":{\"name\":\"old__trigger-long-running-operation\","
        + "\"arguments\":{\"duration\":0.3,\"steps\":3},\"_meta\":{\"progressToken\":\"p\"}}}");
    assertThat(r.body()).contains("\"progressToken\":\"p\"").contains("completed");

    var stateless = McpStatelessEndpointTest.post(McpStatelessEndpointTest.req(gw.baseUrl() + "/mcp", "tools/call", "old__get-sum"),
        McpStatelessEndpointTest.body(1, "tools/call", "{\"name\":\"old__get-sum\",\"arguments\":{\"a\":40,\"b\":2}}"));
    assertThat(McpStatelessEndpointTest.last(stateless).path("result").path("content").path(0).path("text").asText())
        .contains("42");
  }

  @Test
  void aRestartedSseServerIsReconnected() throws Exception {
    McpTestClient c = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    c.initialize("2025-11-25");
    assertThat(McpTestClient.text(c.callTool("old__echo", "{\"message\":\"1\"}"))).isEqualTo("Echo: 1");
    everything.destroyForcibly().waitFor();
    JsonNode down = c.callTool("old__echo", "{\"message\":\"2\"}");
    assertThat(down.path("error").path("code").asInt()).isEqualTo(McpError.UPSTREAM_UNAVAILABLE);
    everything = startEverything();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
        assertThat(McpTestClient.text(c.callTool("old__echo", "{\"message\":\"3\"}"))).isEqualTo("Echo: 3"));
  }
}
