package dev.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.testing.GatewayHarness;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The downstream /mcp endpoint (session-based revisions) in front of the built-in demo server. */
class McpEndpointTest {
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { name: d, type: demo } ] }
        clients:
          keys: [test-key, other-key]
        mcp:
          allowed_origins: [https://app.example.com]
          servers:
            demo: { type: builtin }
          virtual_servers:
            curated:
              tools:
                - { match: demo__echo, rename: echo, description: Curated echo }
              prompts: []
              resources: [ "demo://readme" ]
        """);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  McpTestClient client() {
    return new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
  }

  @Test
  void initializeNegotiatesVersionAndIssuesUnguessableSession() throws Exception {
    McpTestClient c = client();
    JsonNode init = c.initialize("2025-06-18");
    assertThat(init.path("protocolVersion").asText()).isEqualTo("2025-06-18");
    assertThat(init.path("capabilities").has("tools")).isTrue();
    assertThat(c.session).hasSizeGreaterThanOrEqualTo(40).matches("[\\x21-\\x7e]+");
    McpTestClient other = client();
    assertThat(other.initialize("1999-01-01").path("protocolVersion").asText()).isEqualTo("2025-11-25");
    assertThat(other.session).isNotEqualTo(c.session);
  }

  @Test
  void listsAndCallsDemoTools() throws Exception {
    McpTestClient c = client();
    c.initialize("2025-11-25");
    JsonNode tools = c.result("tools/list", null).path("tools");
    List<String> names = new ArrayList<>();
    tools.forEach(t -> names.add(t.path("name").asText()));
    assertThat(names).containsExactly("demo__echo", "demo__add", "demo__countdown");
    assertThat(McpTestClient.text(c.callTool("demo__echo", "{\"text\":\"hi\"}"))).isEqualTo("hi");
    assertThat(McpTestClient.text(c.callTool("demo__add", "{\"a\":2,\"b\":40}"))).isEqualTo("42");
    JsonNode unknown = c.callTool("echo", "{}");
    assertThat(unknown.path("error").path("code").asInt()).isEqualTo(-32602);
    assertThat(c.result("resources/read", "{\"uri\":\"demo://readme\"}").path("contents").path(0).path("text")
        .asText()).contains("demo MCP server");
    assertThat(c.result("resources/read", "{\"uri\":\"demo://greeting/Bob\"}").path("contents").path(0)
        .path("text").asText()).isEqualTo("Hello, Bob!");
    assertThat(c.rpc("resources/read", "{\"uri\":\"nope://x\"}").path("error").path("code").asInt()).isEqualTo(-32002);
    assertThat(c.result("prompts/get", "{\"name\":\"demo__greet\",\"arguments\":{\"name\":\"Ada\"}}")
        .path("messages").path(0).path("content").path("text").asText()).contains("Ada");
    assertThat(c.result("completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"demo__greet\"},"
        + "\"argument\":{\"name\":\"name\",\"value\":\"A\"}}").path("completion").path("values").toString())
        .isEqualTo("[\"Ada\",\"Alan\"]");
    assertThat(c.result("resources/templates/list", null).path("resourceTemplates").path(0).path("uriTemplate")
        .asText()).isEqualTo("demo://greeting/{name}");
    assertThat(c.result("ping", null).isObject()).isTrue();
    assertThat(c.rpc("no/such/method", null).path("error").path("code").asInt()).isEqualTo(-32601);
  }

  @Test
  void progressIsStreamedAsSseWithResumableIds() throws Exception {
    McpTestClient c = client();
    c.initialize("2025-11-25");
    HttpResponse<String> r = c.post("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
        + "\"demo__countdown\",\"arguments\":{\"n\":3},\"_meta\":{\"progressToken\":\"tok\"}}}");
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    assertThat(r.body()).contains("\"progressToken\":\"tok\"").contains("\"progress\":3")
        .contains("Liftoff after 3 steps").contains("id: s");
    // The stream's events can be replayed with Last-Event-ID.
    String firstId = r.body().lines().filter(l -> l.startsWith("id: ")).findFirst().orElseThrow().substring(4);
    HttpResponse<String> replay = c.send(c.request().header("last-event-id", firstId)
        .header("accept", "text/event-stream").GET().build());
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.body()).contains("Liftoff after 3 steps");
  }

  @Test
  void sessionRulesAndHttpErrors() throws Exception {
    McpTestClient c = client();
    assertThat(c.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").statusCode()).isEqualTo(400);
    c.session = "not-a-session";
    HttpResponse<String> unknown = c.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("\"jsonrpc\":\"2.0\"");
    c.initialize("2025-06-18");
    // Another principal cannot use this session.
    McpTestClient thief = new McpTestClient(gw.baseUrl() + "/mcp", "other-key");
    thief.session = c.session;
    assertThat(thief.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").statusCode()).isEqualTo(404);
    // Unsupported protocol version header.
    assertThat(c.send(c.request().header("mcp-protocol-version", "2001-01-01")
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")).build())
        .statusCode()).isEqualTo(400);
    assertThat(c.send(c.request().header("mcp-protocol-version", "2025-06-18")
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")).build())
        .statusCode()).isEqualTo(200);
    // Notifications and responses are accepted with 202.
    assertThat(c.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}").statusCode())
        .isEqualTo(202);
    // Bad JSON, bad JSON-RPC, too deep, batches.
    HttpResponse<String> parse = c.post("{nope");
    assertThat(parse.statusCode()).isEqualTo(400);
    assertThat(parse.body()).contains("-32700").doesNotContain("Exception").doesNotContain("at dev.");
    assertThat(c.post("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}").body()).contains("-32600");
    assertThat(c.post("[" + "[".repeat(200) + "]".repeat(200) + "]").statusCode()).isEqualTo(400);
    assertThat(c.post("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]").body()).contains("-32600");
    // Wrong content type, wrong Accept.
    assertThat(c.send(c.request().setHeader("content-type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode()).isEqualTo(415);
    assertThat(c.send(c.request().setHeader("accept", "text/html")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode()).isEqualTo(406);
    // DELETE ends the session.
    assertThat(c.send(c.request().DELETE().build()).statusCode()).isEqualTo(200);
    assertThat(c.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").statusCode()).isEqualTo(404);
  }

  @Test
  void authenticationAndOrigin() throws Exception {
    McpTestClient anonymous = new McpTestClient(gw.baseUrl() + "/mcp", null);
    HttpResponse<String> r = anonymous.post("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer");
    assertThat(r.body()).contains("\"jsonrpc\":\"2.0\"");
    McpTestClient c = client();
    assertThat(c.send(c.request().header("origin", "https://evil.example")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode()).isEqualTo(403);
    HttpResponse<String> ok = c.send(c.request().header("origin", "https://app.example.com")
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
            + "\"params\":{\"protocolVersion\":\"2025-06-18\"}}")).build());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("access-control-expose-headers").orElse("")).contains("Mcp-Session-Id");
  }

  @Test
  void getOpensTheServerStream() throws Exception {
    McpTestClient c = client();
    c.initialize("2025-11-25");
    HttpResponse<InputStream> r = HttpClient.newHttpClient().send(c.request().setHeader("accept", "text/event-stream")
        .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    // A second GET stream on the same session is refused while the first is open.
    assertThat(c.send(c.request().setHeader("accept", "text/event-stream").GET().build()).statusCode())
        .isEqualTo(409);
    r.body().close();
    assertThat(c.send(c.request().setHeader("accept", "application/json").GET().build()).statusCode())
        .isEqualTo(406);
    assertThat(new String(new byte[0], StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void virtualServerShowsAndRoutesOnlyItsSelection() throws Exception {
    McpTestClient v = new McpTestClient(gw.baseUrl() + "/mcp/curated", GatewayHarness.KEY);
    JsonNode init = v.initialize("2025-11-25");
    assertThat(init.path("serverInfo").path("name").asText()).isEqualTo("portcullis/curated");
    JsonNode tools = v.result("tools/list", null).path("tools");
    assertThat(tools).hasSize(1);
    assertThat(tools.path(0).path("name").asText()).isEqualTo("echo");
    assertThat(tools.path(0).path("description").asText()).isEqualTo("Curated echo");
    assertThat(McpTestClient.text(v.callTool("echo", "{\"text\":\"v\"}"))).isEqualTo("v");
    // Hidden tools are unreachable by their namespaced or upstream names.
    assertThat(v.callTool("demo__add", "{\"a\":1,\"b\":2}").path("error").path("code").asInt()).isEqualTo(-32602);
    assertThat(v.callTool("add", "{\"a\":1,\"b\":2}").path("error").path("code").asInt()).isEqualTo(-32602);
    assertThat(v.callTool("demo__echo", "{\"text\":\"v\"}").path("error").path("code").asInt()).isEqualTo(-32602);
    assertThat(v.rpc("prompts/get", "{\"name\":\"demo__greet\"}").path("error").path("code").asInt())
        .isEqualTo(-32602);
    assertThat(v.rpc("resources/read", "{\"uri\":\"demo://greeting/x\"}").path("error").path("code").asInt())
        .isEqualTo(-32002);
    assertThat(v.result("resources/read", "{\"uri\":\"demo://readme\"}").path("contents")).hasSize(1);
    // A session of the curated endpoint is not valid on /mcp, and unknown virtual servers are 404.
    McpTestClient all = client();
    all.session = v.session;
    assertThat(all.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").statusCode()).isEqualTo(404);
    McpTestClient none = new McpTestClient(gw.baseUrl() + "/mcp/nope", GatewayHarness.KEY);
    assertThat(none.post("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}").statusCode())
        .isEqualTo(404);
    assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .header("authorization", "Bearer test-key").PUT(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
  }
}
