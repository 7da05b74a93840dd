package dev.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.testing.GatewayHarness;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstreams failing at the worst moment: a stdio server dying in the middle of a streamed call,
 * an HTTP server killed outright, and clients giving up (cancellation relayed upstream, in both eras).
 */
class McpFaultsTest {
  static FakeHttpMcpServer doomed;
  static GatewayHarness gw;
  static McpTestClient c;

  @BeforeAll
  static void start() throws Exception {
    doomed = new FakeHttpMcpServer();
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
              timeout_ms: 20000
            doomed: { type: http, url: "%s", timeout_ms: 5000 }
            demo: { type: builtin }
        """.formatted(java, System.getProperty("java.class.path"), doomed.url()));
    c = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    c.initialize("2025-11-25");
    awaitLocalUp();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    doomed.close();
  }

  static void awaitLocalUp() {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
        assertThat(McpTestClient.text(c.callTool("local__echo", "{\"text\":\"up\"}"))).isEqualTo("up"));
  }

  static int cancellations() throws Exception {
    return Integer.parseInt(McpTestClient.text(c.callTool("local__cancellations", "{}")));
  }

  @Test
  void stdioServerCrashingInTheMiddleOfAStreamedCall() throws Exception {
    awaitLocalUp();
    HttpResponse<String> r = c.post("{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"tools/call\",\"params\":{"
        + "\"name\":\"local__crash-midway\",\"arguments\":{},\"_meta\":{\"progressToken\":\"t41\"}}}");
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    String body = r.body();
    assertThat(body.indexOf("halfway")).isPositive().isLessThan(body.indexOf("\"error\""));
    assertThat(body).contains("\"id\":41", "\"code\":" + McpError.UPSTREAM_UNAVAILABLE, "exited with code 4");
    awaitLocalUp();

    // the same for a stateless client: the answer was upgraded to SSE by the progress, then fails
    HttpResponse<String> m = McpStatelessEndpointTest.post(
        McpStatelessEndpointTest.req(gw.baseUrl() + "/mcp", "tools/call", "local__crash-midway"),
        McpStatelessEndpointTest.body(42, "tools/call", "{\"name\":\"local__crash-midway\",\"arguments\":{},"
            + "\"_meta\":{\"progressToken\":\"t42\"}}").replace("},\"_meta\":{\"progressToken\":\"t42\"}}", "}}"));
    assertThat(m.statusCode()).isEqualTo(200);
    JsonNode last = McpStatelessEndpointTest.last(m);
    assertThat(last.path("error").path("code").asInt()).isEqualTo(McpError.UPSTREAM_UNAVAILABLE);
    awaitLocalUp();
  }

  @Test
  void httpUpstreamKilledOutright() throws Exception {
    assertThat(McpTestClient.text(c.callTool("doomed__echo", "{\"text\":\"alive\"}"))).isEqualTo("alive");
    doomed.close();
    long t0 = System.nanoTime();
    JsonNode r = c.callTool("doomed__echo", "{\"text\":\"dead\"}");
    assertThat(r.path("error").path("code").asInt()).isEqualTo(McpError.UPSTREAM_UNAVAILABLE);
    assertThat(r.path("error").path("message").asText()).contains("doomed");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
    assertThat(McpTestClient.text(c.callTool("demo__echo", "{\"text\":\"others fine\"}"))).isEqualTo("others fine");
    assertThat(c.result("tools/list", null).toString()).contains("doomed__echo"); // last known list stays
  }

  @Test
  void cancellationIsRelayedUpstreamInBothEras() throws Exception {
    awaitLocalUp();
    int before = cancellations();
    // legacy: notifications/cancelled for an in-flight call
    CompletableFuture<HttpResponse<String>> hanging = CompletableFuture.supplyAsync(() -> {
      try {
        return c.post("{\"jsonrpc\":\"2.0\",\"id\":\"h1\",\"method\":\"tools/call\",\"params\":{\"name\":\"local__hang\","
            + "\"arguments\":{}}}");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(500);
    assertThat(c.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"h1\","
        + "\"reason\":\"user pressed stop\"}}").statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(5)).until(() -> cancellations() == before + 1);
    assertThat(hanging.get().body()).contains("\"id\":\"h1\"", "cancelled");

    // 2026-07-28: closing the response stream is the cancellation
    URI u = URI.create(gw.baseUrl());
    String body = McpStatelessEndpointTest.body(5, "tools/call", "{\"name\":\"local__hang\",\"arguments\":{}}");
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      OutputStream out = s.getOutputStream();
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      out.write(("POST /mcp HTTP/1.1\r\nHost: " + u.getHost() + "\r\nAuthorization: Bearer " + GatewayHarness.KEY
          + "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
          + "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: local__hang\r\n"
          + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      Thread.sleep(500);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> cancellations() == before + 2);
  }
}
