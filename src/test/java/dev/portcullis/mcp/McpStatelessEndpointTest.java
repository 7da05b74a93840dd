package dev.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.testing.GatewayHarness;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The downstream /mcp endpoint in protocol version 2026-07-28: stateless requests, raw HTTP. */
class McpStatelessEndpointTest {
  static final String V = "2026-07-28";
  static GatewayHarness gw;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    String java = System.getProperty("java.home") + "/bin/java";
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { name: d, type: demo } ] }
        mcp:
          servers:
            demo: { type: builtin }
            local:
              type: stdio
              command: "%s"
              args: ["-cp", "%s", "dev.portcullis.mcp.demo.DemoStdioMain", "--faults"]
              timeout_ms: 5000
        """.formatted(java, System.getProperty("java.class.path")));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  static String body(Object id, String method, String params) {
    String meta = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"" + V + "\","
        + "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"raw\",\"version\":\"1\"},"
        + "\"io.modelcontextprotocol/clientCapabilities\":{}}";
    String p = params == null ? "{" + meta + "}" : params.replaceFirst("^\\{", "{" + meta + (params.equals("{}") ? "" : ","));
    return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + p + "}";
  }

  static HttpRequest.Builder req(String method, String name) {
    return req(gw.baseUrl() + "/mcp", method, name);
  }

  /** A 2026-07-28 POST to an MCP endpoint, with the headers that mirror the body. */
  static HttpRequest.Builder req(String url, String method, String name) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("authorization", "Bearer " + GatewayHarness.KEY)
        .header("accept", "application/json, text/event-stream").header("content-type", "application/json")
        .header("mcp-protocol-version", V).header("mcp-method", method);
    if (name != null) {
      b.header("mcp-name", name);
    }
    return b;
  }

  static HttpResponse<String> post(HttpRequest.Builder b, String body) throws Exception {
    return HTTP.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode last(HttpResponse<String> r) throws Exception {
    if (r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) {
      JsonNode last = null;
      for (String line : r.body().split("\n")) {
        if (line.startsWith("data: ") && line.length() > 6) {
          last = McpTestClient.JSON.readTree(line.substring(6));
        }
      }
      return last;
    }
    return McpTestClient.JSON.readTree(r.body());
  }

  @Test
  void discoverAndListWithoutInitializeOrSession() throws Exception {
    HttpResponse<String> d = post(req("server/discover", null), body(1, "server/discover", null));
    assertThat(d.statusCode()).isEqualTo(200);
    assertThat(d.headers().firstValue("mcp-session-id")).isEmpty();
    JsonNode r = last(d).path("result");
    assertThat(r.path("supportedVersions").toString()).contains(V, "2025-11-25");
    assertThat(r.path("resultType").asText()).isEqualTo("complete");
    assertThat(r.path("capabilities").has("tools")).isTrue();
    assertThat(r.path("_meta").path("io.modelcontextprotocol/serverInfo").path("name").asText()).isEqualTo("portcullis");

    JsonNode tools = last(post(req("tools/list", null), body(2, "tools/list", null))).path("result");
    assertThat(tools.path("tools").toString()).contains("demo__echo", "local__echo");
    assertThat(tools.path("resultType").asText()).isEqualTo("complete");
    assertThat(tools.path("cacheScope").asText()).isEqualTo("private");
    assertThat(tools.has("ttlMs")).isTrue();

    HttpResponse<String> call = post(req("tools/call", "demo__echo"),
        body(3, "tools/call", "{\"name\":\"demo__echo\",\"arguments\":{\"text\":\"stateless\"}}"));
    assertThat(call.statusCode()).isEqualTo(200);
    JsonNode cr = last(call).path("result");
    assertThat(cr.path("content").path(0).path("text").asText()).isEqualTo("stateless");
    assertThat(cr.path("resultType").asText()).isEqualTo("complete");

    String encoded = "=?base64?" + Base64.getEncoder().encodeToString("demo__add".getBytes(StandardCharsets.UTF_8)) + "?=";
    JsonNode add = last(post(req("tools/call", encoded),
        body(4, "tools/call", "{\"name\":\"demo__add\",\"arguments\":{\"a\":2,\"b\":40}}")));
    assertThat(add.path("result").path("content").path(0).path("text").asText()).isEqualTo("42");
  }

  @Test
  void headersMustMatchTheBody() throws Exception {
    HttpResponse<String> wrongMethod = post(req("tools/list", "demo__echo"),
        body(1, "tools/call", "{\"name\":\"demo__echo\",\"arguments\":{}}"));
    assertThat(wrongMethod.statusCode()).isEqualTo(400);
    assertThat(last(wrongMethod).path("error").path("code").asInt()).isEqualTo(-32020);

    HttpResponse<String> wrongName = post(req("tools/call", "demo__add"),
        body(2, "tools/call", "{\"name\":\"demo__echo\",\"arguments\":{}}"));
    assertThat(wrongName.statusCode()).isEqualTo(400);
    assertThat(last(wrongName).path("error").path("message").asText()).contains("Mcp-Name");

    HttpResponse<String> noName = post(req("tools/call", null), body(3, "tools/call", "{\"name\":\"demo__echo\"}"));
    assertThat(noName.statusCode()).isEqualTo(400);

    HttpRequest.Builder otherVersion = req("tools/list", null).setHeader("mcp-protocol-version", "2025-11-25");
    HttpResponse<String> mismatch = post(otherVersion, body(4, "tools/list", null));
    assertThat(mismatch.statusCode()).isEqualTo(400);
    assertThat(last(mismatch).path("error").path("code").asInt()).isEqualTo(-32020);
  }

  @Test
  void unsupportedVersionsAndUnknownMethods() throws Exception {
    String future = body(1, "tools/list", null).replace(V, "2099-01-01");
    HttpResponse<String> r = post(req("tools/list", null).setHeader("mcp-protocol-version", "2099-01-01"), future);
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode err = last(r).path("error");
    assertThat(err.path("code").asInt()).isEqualTo(-32022);
    assertThat(err.path("data").path("requested").asText()).isEqualTo("2099-01-01");
    assertThat(err.path("data").path("supported").toString()).contains(V);

    HttpResponse<String> unknown = post(req("nope/nothing", null), body(2, "nope/nothing", null));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(last(unknown).path("error").path("code").asInt()).isEqualTo(-32601);
    HttpResponse<String> ping = post(req("ping", null), body(3, "ping", null));
    assertThat(ping.statusCode()).isEqualTo(404);

    HttpResponse<String> get = HTTP.send(req("x", null).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
  }

  @Test
  void listenCarriesListChangesAndClosingItEnds() throws Exception {
    HttpResponse<InputStream> listen = HTTP.send(req("subscriptions/listen", null).POST(HttpRequest.BodyPublishers
        .ofString(body("\"sub-1\"", "subscriptions/listen", "{\"notifications\":{\"toolsListChanged\":true}}"))).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(listen.statusCode()).isEqualTo(200);
    BufferedReader lines = new BufferedReader(new InputStreamReader(listen.body(), StandardCharsets.UTF_8));
    String ack = nextData(lines);
    assertThat(ack).contains("notifications/subscriptions/acknowledged", "\"toolsListChanged\":true", "sub-1");
    // the stdio upstream crashes; when it is back, its tools are re-listed and listeners told
    last(post(req("tools/call", "local__crash"), body(9, "tools/call", "{\"name\":\"local__crash\",\"arguments\":{}}")));
    String changed = nextData(lines);
    assertThat(changed).contains("notifications/tools/list_changed", "\"io.modelcontextprotocol/subscriptionId\":\"sub-1\"");
    listen.body().close();
  }

  @Test
  void toolParametersMirroredInHeadersMustMatch() throws Exception {
    String call = body(1, "tools/call", "{\"name\":\"local__regional\",\"arguments\":{\"region\":\"eu-west-1\"}}");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(  // (after a crash test)
        last(post(req("tools/call", "local__regional").header("Mcp-Param-Region", "eu-west-1"), call))
            .path("result").path("content").path(0).path("text").asText()).isEqualTo("ran in eu-west-1"));
    HttpResponse<String> missing = post(req("tools/call", "local__regional"), call);
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(last(missing).path("error").path("code").asInt()).isEqualTo(-32020);
    HttpResponse<String> wrong = post(req("tools/call", "local__regional").header("Mcp-Param-Region", "us-east-1"), call);
    assertThat(wrong.statusCode()).isEqualTo(400);
    String b64 = "=?base64?" + Base64.getEncoder().encodeToString("eu-west-1".getBytes(StandardCharsets.UTF_8)) + "?=";
    assertThat(post(req("tools/call", "local__regional").header("Mcp-Param-Region", b64), call).statusCode())
        .isEqualTo(200);
  }

  static String nextData(BufferedReader r) throws Exception {
    String line;
    while ((line = r.readLine()) != null) {
      if (line.startsWith("data: ") && line.length() > 6) {
        return line.substring(6);
      }
    }
    return null;
  }
}
