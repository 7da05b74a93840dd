package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The body is parsed once, at the edge, by one strict parser: a key twice in one object, data
 * after the JSON value and bytes that are not UTF-8 are refused on every surface, in the
 * surface's error shape, before persona grants, policy, the guard or the upstream see them.
 * Parsers disagree on such bodies (first key wins, last key wins, stop at the first value), so
 * accepting them would let one layer check a value that another layer then does not use.
 */
class OneParseOfTheBodyTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CHAT = "/v1/chat/completions";
  /** The persona may use only 'cheap'; the policy denies 'expensive'; the guard blocks PII. */
  static final String CHEAP_THEN_EXPENSIVE = "{\"model\":\"cheap\",\"model\":\"expensive\","
      + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static FakeOpenAiUpstream fake;
  static GatewayHarness gw;
  static AdminClient admin;
  static Path policy;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    policy = Files.createTempFile("portcullis-policy", ".yaml");
    Files.writeString(policy, """
        rules:
          - name: no-expensive
            when: "model == 'expensive'"
            effect: deny
            reason: the expensive model is off limits
        """);
    Path dir = Files.createTempDirectory("portcullis-strict-json");
    gw = GatewayHarness.start("""
        models:
          cheap: { deployments: [ { type: openai_compatible, base_url: %1$s } ] }
          expensive: { deployments: [ { type: openai_compatible, base_url: %1$s } ] }
        personas:
          frugal:
            models: [cheap]
            keys: [config-key-1]
        policy:
          file: %2$s
        guard:
          rules:
            - name: no-pii
              detectors: [pii]
              action: block
        mcp:
          servers:
            demo: { type: builtin }
        store:
          url: jdbc:sqlite:%3$s/p.db
        admin:
          key: the-admin
        """.formatted(fake.baseUrl(), policy, dir));
    admin = new AdminClient(gw.baseUrl(), "the-admin");
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (fake != null) {
      fake.close();
    }
    Files.deleteIfExists(policy);
  }

  @BeforeEach
  void answer() {
    fake.otherwise(FakeOpenAiUpstream.ok());
  }

  @Test
  void aSecondModelKeyCannotSlipPastThePersonaGrant() throws Exception {
    int before = fake.requests().size();
    HttpResponse<String> r = gw.send(chat(CHEAP_THEN_EXPENSIVE).header("x-portcullis-persona", "frugal").build());
    JsonNode e = ErrorResponsesTest.openAiError(r, 400);
    assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
    assertThat(e.get("code").asText()).isEqualTo("duplicate_json_key");
    assertThat(e.get("message").asText()).contains("'model'");
    assertThat(fake.requests()).hasSize(before);

    // the same persona still calls its model, and is still refused the other one
    assertThat(gw.send(chat(body("cheap", "hi")).header("x-portcullis-persona", "frugal").build()).statusCode())
        .isEqualTo(200);
    assertThat(gw.send(chat(body("expensive", "hi")).header("x-portcullis-persona", "frugal").build())
        .statusCode()).isEqualTo(403);
  }

  @Test
  void aSecondModelKeyCannotSlipPastAPolicyDenyRule() throws Exception {
    int before = fake.requests().size();
    JsonNode e = ErrorResponsesTest.openAiError(gw.post(CHAT, CHEAP_THEN_EXPENSIVE), 400);
    assertThat(e.get("code").asText()).isEqualTo("duplicate_json_key");
    assertThat(fake.requests()).hasSize(before);
    assertThat(gw.post(CHAT, body("expensive", "hi")).body()).contains("policy_denied");
  }

  @Test
  void aSecondContentKeyCannotCarryPersonalDataPastTheGuard() throws Exception {
    int before = fake.requests().size();
    String twice = "{\"model\":\"cheap\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"write to jane.doe@example.com\",\"content\":\"hello\"}]}";
    JsonNode e = ErrorResponsesTest.openAiError(gw.post(CHAT, twice), 400);
    assertThat(e.get("code").asText()).isEqualTo("duplicate_json_key");
    assertThat(e.get("message").asText()).contains("'content'");
    // deeper still: inside a tool's JSON schema
    String deep = "{\"model\":\"cheap\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":"
        + "\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"type\":\"string\"}}}]}";
    assertThat(ErrorResponsesTest.openAiError(gw.post(CHAT, deep), 400).get("code").asText())
        .isEqualTo("duplicate_json_key");
    assertThat(fake.requests()).hasSize(before);
    // the guard still reads the content it is sent once
    assertThat(gw.post(CHAT, body("cheap", "write to jane.doe@example.com")).body()).contains("guard_blocked");
  }

  @Test
  void embeddingsRefuseDuplicatesAndTrailingData() throws Exception {
    assertThat(ErrorResponsesTest.openAiError(gw.post("/v1/embeddings",
        "{\"model\":\"cheap\",\"input\":\"a\",\"input\":\"b\"}"), 400).get("code").asText())
        .isEqualTo("duplicate_json_key");
    assertThat(ErrorResponsesTest.openAiError(gw.post("/v1/embeddings",
        "{\"model\":\"cheap\",\"input\":\"a\"} x"), 400).get("code").asText()).isEqualTo("invalid_json");
  }

  @Test
  void trailingDataAfterTheBodyIsRefused() throws Exception {
    int before = fake.requests().size();
    for (String tail : new String[] {" x", "{}", " {\"model\":\"expensive\"}", "]", "\u0000"}) {
      JsonNode e = ErrorResponsesTest.openAiError(gw.post(CHAT, body("cheap", "hi") + tail), 400);
      assertThat(e.get("code").asText()).as(tail).isEqualTo("invalid_json");
    }
    assertThat(fake.requests()).hasSize(before);
    // whitespace after the value is not data
    assertThat(gw.post(CHAT, body("cheap", "hi") + " \r\n\t").statusCode()).isEqualTo(200);
  }

  @Test
  void bytesThatAreNotUtf8AreRefused() throws Exception {
    int before = fake.requests().size();
    byte[] prefix = "{\"model\":\"cheap\",\"messages\":[{\"role\":\"user\",\"content\":\""
        .getBytes(StandardCharsets.UTF_8);
    byte[] suffix = "\"}]}".getBytes(StandardCharsets.UTF_8);
    byte[][] bad = {
        {(byte) 0xC0, (byte) 0xAF}, // an overlong '/'
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // an encoded surrogate
        {(byte) 0xFF}, // never in UTF-8
        {(byte) 0xE2, (byte) 0x82}, // cut short
    };
    for (byte[] b : bad) {
      JsonNode e = ErrorResponsesTest.openAiError(gw.send(chatBytes(concat(prefix, b, suffix)).build()), 400);
      assertThat(e.get("code").asText()).isEqualTo("invalid_json");
      assertThat(e.get("message").asText()).contains("UTF-8");
    }
    // UTF-16, which a parser could otherwise detect and decode
    JsonNode e = ErrorResponsesTest.openAiError(gw.send(chatBytes(body("cheap", "hi")
        .getBytes(StandardCharsets.UTF_16LE)).build()), 400);
    assertThat(e.get("message").asText()).contains("UTF-8");
    assertThat(fake.requests()).hasSize(before);
  }

  @Test
  void aValidBodyReachesTheUpstreamByteForByte() throws Exception {
    String body = "{ \"model\" : \"cheap\",\n\t\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9 caf\u00e9 "
        + "\uD83D\uDE00 \\\"quoted\\\"\"}], \"x_unknown\": {\"a\": [1, 2.50, -0e0, 1E400]} }  ";
    HttpResponse<String> r = gw.send(chatBytes(body.getBytes(StandardCharsets.UTF_8)).build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(fake.last().body().getBytes()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anthropicMessagesRefuseInAnthropicShape() throws Exception {
    int before = fake.requests().size();
    for (String path : new String[] {"/v1/messages", "/v1/messages/count_tokens"}) {
      JsonNode dup = anthropicError(gw.post(path, "{\"model\":\"cheap\",\"model\":\"expensive\",\"max_tokens\":8,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
      assertThat(dup.get("message").asText()).as(path).contains("'model'").contains("more than once");
      JsonNode trailing = anthropicError(gw.post(path, "{\"model\":\"cheap\",\"max_tokens\":8,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} x"));
      assertThat(trailing.get("message").asText()).as(path).contains("after the JSON value");
    }
    assertThat(fake.requests()).hasSize(before);
  }

  @Test
  void mcpRefusesWithJsonRpcErrorsAndIdNull() throws Exception {
    McpTestClient c = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    HttpResponse<String> dup = c.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
        + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"a\",\"name\":\"b\","
        + "\"version\":\"1\"}}}");
    assertThat(rpcError(dup, -32600).get("message").asText()).contains("'name'");
    assertThat(dup.headers().firstValue("mcp-session-id")).isEmpty();
    rpcError(c.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}"), -32600);
    rpcError(c.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} x"), -32700);
    rpcError(c.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}{\"jsonrpc\":\"2.0\",\"id\":2,"
        + "\"method\":\"ping\"}"), -32700);
    // a virtual-server path and the stateless revision parse the same way
    McpTestClient stateless = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    rpcError(stateless.send(stateless.request().header("mcp-protocol-version", "2026-07-28")
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\","
            + "\"method\":\"tools/call\"}")).build()), -32600);
    // a valid message still works
    assertThat(c.initialize("2025-06-18").path("protocolVersion").asText()).isEqualTo("2025-06-18");
  }

  @Test
  void adminRefusesInAdminShapeAndChangesNothing() throws Exception {
    HttpResponse<String> dup = admin.call("POST", "/admin/keys", "{\"name\":\"first\",\"name\":\"second\"}");
    assertThat(adminError(dup).get("message").asText()).contains("'name'");
    adminError(admin.call("POST", "/admin/keys", "{\"name\":\"third\"} x"));
    adminError(admin.call("POST", "/admin/teams", "{\"name\":\"t\",\"budget_usd\":1,\"budget_usd\":1000}"));
    String keys = admin.ok("GET", "/admin/keys", null).toString();
    assertThat(keys).doesNotContain("\"first\"").doesNotContain("\"second\"").doesNotContain("\"third\"");
    assertThat(admin.ok("GET", "/admin/teams", null).toString()).doesNotContain("\"t\"");
    assertThat(admin.call("POST", "/admin/keys", "{\"name\":\"fourth\"}").statusCode()).isEqualTo(201);
  }

  @Test
  void unknownPathsAnswerValidJsonWhateverThePath() throws Exception {
    String[] paths = {"/x\\", "/v1/x\\", "/a\"b", "/v1/x\"}{", "/v1/messages/x\\", "/mcp/a/b\\", "/q%00%01\\",
        "/c\u0001d\\", "/v1/\u007f\u001b[0m\\"};
    for (String path : paths) {
      String response = raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GatewayHarness.KEY
          + "\r\nConnection: close\r\n\r\n");
      assertThat(response).as(path).startsWith("HTTP/1.1 404");
      JsonNode body = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
      if (path.startsWith("/mcp")) {
        assertThat(body.path("jsonrpc").asText()).as(path).isEqualTo("2.0");
        assertThat(body.path("error").path("code").asInt()).isEqualTo(-32600);
      } else if (path.startsWith("/v1/messages")) {
        assertThat(body.path("type").asText()).as(path).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo("not_found_error");
      } else {
        assertThat(body.path("error").path("code").asText()).as(path).isEqualTo("unknown_url");
      }
      assertThat(body.path("error").path("message").asText()).as(path).contains(path); // as sent, escaped
    }
  }

  @Test
  void requestTargetsThatAreNoPathAnswerValidJson() throws Exception {
    for (String target : new String[] {"*", "x\\", "?\"", "http://x/v1/y\\"}) {
      String response = raw("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(response).as(target).matches("(?s)HTTP/1.1 4\\d\\d .*");
      JsonNode body = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
      assertThat(body.path("error").path("message").asText()).as(target).isNotBlank();
    }
  }

  @Test
  void aWrongMethodAnswersValidJson() throws Exception {
    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/healthz"))
        .method("PUT", HttpRequest.BodyPublishers.noBody()).build());
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(JSON.readTree(r.body()).path("error").path("code").asText()).isEqualTo("method_not_allowed");
  }

  static String body(String model, String content) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
  }

  static HttpRequest.Builder chat(String body) {
    return chatBytes(body.getBytes(StandardCharsets.UTF_8));
  }

  static HttpRequest.Builder chatBytes(byte[] body) {
    return HttpRequest.newBuilder(URI.create(gw.baseUrl() + CHAT)).timeout(Duration.ofSeconds(20))
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static JsonNode anthropicError(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("invalid_request_error");
    return body.get("error");
  }

  static JsonNode rpcError(HttpResponse<String> r, int code) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("jsonrpc").asText()).isEqualTo("2.0");
    assertThat(body.has("id")).isTrue();
    assertThat(body.get("id").isNull()).isTrue();
    assertThat(body.path("error").path("code").asInt()).as(r.body()).isEqualTo(code);
    return body.get("error");
  }

  static JsonNode adminError(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode e = JSON.readTree(r.body()).get("error");
    assertThat(e.path("type").asText()).isEqualTo("admin_error");
    assertThat(e.path("code").asText()).isEqualTo("invalid_request");
    return e;
  }

  /** One request over a raw socket, for request lines java.net.http refuses to send; the whole answer. */
  static String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", gw.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
