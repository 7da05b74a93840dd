package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A header the gateway decides on, sent twice, is refused before anything reads it, in the error
 * shape of the surface called: which copy counts must never depend on who reads it.
 */
class RepeatedHeadersTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CHAT = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
        clients:
          keys: [test-key, other-key]
        personas:
          small: { models: [demo], keys: [config-key-2] }   # other-key, by its principal id
        mcp:
          servers:
            demo: { type: builtin }
        """);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  static HttpRequest.Builder post(String path, String body) {
    return HttpRequest.newBuilder(URI.create(gw.baseUrl() + path)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  @Test
  void twoAuthorizationHeadersAreRefusedInOpenAiShape() throws Exception {
    HttpResponse<String> r = gw.send(post("/v1/chat/completions", CHAT)
        .header("authorization", "Bearer test-key").header("authorization", "Bearer other-key").build());
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode e = JSON.readTree(r.body()).get("error");
    assertThat(e.get("code").asText()).isEqualTo("duplicate_header");
    assertThat(e.get("message").asText()).contains("authorization");
    assertThat(r.headers().firstValue("x-request-id")).isPresent();
  }

  @Test
  void twoPersonaHeadersAreRefused() throws Exception {
    HttpResponse<String> r = gw.send(post("/v1/chat/completions", CHAT).header("authorization", "Bearer test-key")
        .header("x-portcullis-persona", "small").header("x-portcullis-persona", "other").build());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("x-portcullis-persona");
  }

  @Test
  void twoApiKeysOnMessagesAreRefusedInAnthropicShape() throws Exception {
    HttpResponse<String> r = gw.send(post("/v1/messages",
        "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .header("x-api-key", "test-key").header("x-api-key", "test-key").header("anthropic-version", "2023-06-01")
        .build());
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("type").asText()).isEqualTo("error");
    assertThat(body.at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(body.at("/error/message").asText()).contains("x-api-key");
  }

  @Test
  void twoSessionIdsOnMcpAreAJsonRpcError() throws Exception {
    HttpResponse<String> r = gw.send(post("/mcp", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}")
        .header("authorization", "Bearer test-key").header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", "a").header("mcp-session-id", "b").build());
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("jsonrpc").asText()).isEqualTo("2.0");
    assertThat(body.at("/error/message").asText()).contains("mcp-session-id");
  }

  @Test
  void theSameHeaderInTwoCasesIsRepeatedToo() throws Exception {
    String answer = raw("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: application/json\r\nAuthorization: Bearer test-key\r\nX-Portcullis-Persona: small\r\n"
        + "x-portcullis-PERSONA: other\r\nContent-Length: " + CHAT.length() + "\r\nConnection: close\r\n\r\n" + CHAT);
    assertThat(answer).startsWith("HTTP/1.1 400").contains("duplicate_header").contains("x-portcullis-persona");
  }

  @Test
  void oneOfEachStillPasses() throws Exception {
    HttpResponse<String> ok = gw.send(post("/v1/chat/completions", CHAT).header("authorization", "Bearer test-key")
        .header("x-portcullis-persona", "small").build());
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(403); // test-key may not use persona small: one header read
    HttpResponse<String> plain = gw.send(post("/v1/chat/completions", CHAT).header("authorization", "Bearer other-key")
        .header("x-portcullis-persona", "small").build());
    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
  }

  /** One request over a raw socket (java.net.http merges a header's spellings); the whole answer. */
  static String raw(String request) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
