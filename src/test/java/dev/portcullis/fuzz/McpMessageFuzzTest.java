package dev.portcullis.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;

/**
 * Hostile JSON-RPC on {@code /mcp}, through a legacy session and as a stateless 2026-07-28
 * client: every answer is a JSON-RPC message (or an accepted notification), never a 500, a
 * hang, or a body that is not JSON-RPC. The built-in demo server is the upstream.
 */
class McpMessageFuzzTest {
  private static final String[] METHODS = {"tools/call", "tools/list", "resources/read", "prompts/get",
      "completion/complete", "initialize", "ping", "server/discover", "x/unknown"};
  private static GatewayHarness gw;
  private static HttpClient http;
  private static String session;

  private static synchronized void start() throws Exception {
    if (gw != null) {
      return;
    }
    gw = GatewayHarness.start("""
        mcp:
          servers:
            demo: { type: builtin }
        """);
    http = FuzzGateway.client();
    HttpResponse<byte[]> init = send(null, "2025-11-25", null, """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
         "capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}""".getBytes(StandardCharsets.UTF_8));
    session = init.headers().firstValue("mcp-session-id").orElseThrow();
    send(session, "2025-11-25", null,
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}".getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<byte[]> send(String sid, String version, String method, byte[] body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .timeout(FuzzGateway.ANSWER_TIMEOUT)
        .header("authorization", "Bearer " + GatewayHarness.KEY)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", version)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (sid != null) {
      b.header("mcp-session-id", sid);
    }
    if (method != null) {
      b.header("mcp-method", method);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
      gw = null;
    }
  }

  @FuzzTest(maxDuration = "20s")
  void anyMessageGetsAJsonRpcAnswer(FuzzedDataProvider data) throws Exception {
    try (var allowed = FuzzGateway.loopbackOnly()) {
      check(data);
    }
  }

  private void check(FuzzedDataProvider data) throws Exception {
    start();
    boolean stateless = data.consumeBoolean();
    String method = stateless ? data.pickValue(METHODS) : null;
    HttpResponse<byte[]> r = stateless
        ? send(null, "2026-07-28", method, data.consumeRemainingAsBytes())
        : send(session, "2025-11-25", null, data.consumeRemainingAsBytes());
    assertThat(r.statusCode()).as("status (500 means an unhandled exception)").isNotEqualTo(500);
    String type = r.headers().firstValue("content-type").orElse("");
    if (r.body().length == 0) {
      assertThat(r.statusCode()).as("an empty answer is an accepted notification or response").isIn(202, 204);
      return;
    }
    if (type.startsWith("text/event-stream")) {
      for (String block : new String(r.body(), StandardCharsets.UTF_8).split("\n\n")) {
        for (String line : block.split("\n")) {
          String d = line.startsWith("data:") ? line.substring(5).trim() : "";
          if (!d.isEmpty()) { // an empty data line is the stream's priming event (an id to resume from)
            assertJsonRpc(FuzzGateway.JSON.readTree(d));
          }
        }
      }
      return;
    }
    assertThat(type).as("content type of a %d answer", r.statusCode()).startsWith("application/json");
    assertJsonRpc(FuzzGateway.JSON.readTree(r.body()));
  }

  private static void assertJsonRpc(JsonNode m) {
    if (m != null && m.isArray()) {
      m.forEach(McpMessageFuzzTest::assertJsonRpc);
      return;
    }
    assertThat(m).as("a JSON-RPC message").isNotNull();
    assertThat(m.path("jsonrpc").asText()).as("jsonrpc version in %s", m).isEqualTo("2.0");
    boolean response = m.has("result") || m.has("error");
    boolean request = m.has("method");
    assertThat(response || request).as("a response or a request/notification: %s", m).isTrue();
    if (m.has("error")) {
      assertThat(m.get("error").path("code").isInt()).as("error code in %s", m).isTrue();
      assertThat(m.get("error").path("message").isTextual()).as("error message in %s", m).isTrue();
    }
  }
}
