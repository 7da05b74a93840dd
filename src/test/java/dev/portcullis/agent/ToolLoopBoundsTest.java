package dev.portcullis.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each bound of mcp.tool_loop, reached through HTTP: too many model calls (a model that keeps
 * calling tools), too many tool calls (the demo model's script asks for more than allowed, and
 * none runs), and the wall time (a model step that never answers is cancelled), each a clear
 * error in the surface's shape.
 */
class ToolLoopBoundsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static FakeOpenAiUpstream fake;
  static GatewayHarness gw;
  static GatewayHarness hurried;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    // decided by the request, not by a queue, so the tests cannot take each other's answers
    fake.otherwise((req, r) -> (waits(r) ? FakeOpenAiUpstream.hang() : callsEcho()).respond(req, r));
    gw = gateway(60_000);
    hurried = gateway(2_000);
  }

  /** Bounds of 2 model calls and 2 tool calls, and this wall time. */
  static GatewayHarness gateway(long wallMs) throws Exception {
    return GatewayHarness.start("""
        models:
          demo:
            deployments:
              - { name: demo-1, type: demo, model: demo-1 }
          looping:
            deployments:
              - { type: openai_compatible, base_url: "%s" }
        mcp:
          servers:
            demo: { type: builtin }
          tool_loop:
            max_iterations: 2
            max_tool_calls: 2
            max_wall_ms: %d
        """.formatted(fake.baseUrl(), wallMs));
  }

  /** A request of the "wait" conversation: the model step that never answers. */
  static boolean waits(FakeOpenAiUpstream.Received r) {
    return r.json().path("messages").toString().contains("\"content\":\"wait\"");
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {gw, hurried, fake}) {
      if (c != null) {
        c.close();
      }
    }
  }

  /** A completion that calls demo__echo, as a model that never stops calling tools answers. */
  static FakeOpenAiUpstream.Behaviour callsEcho() {
    return FakeOpenAiUpstream.status(200, """
        {"id":"chatcmpl-loop","object":"chat.completion","created":1,"model":"looping",
         "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1",
         "type":"function","function":{"name":"demo__echo","arguments":"{\\"text\\":\\"again\\"}"}}]},
         "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10}}""",
        Map.of());
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return post(gw, path, body);
  }

  static HttpResponse<String> post(GatewayHarness to, String path, String body) throws Exception {
    return to.send(HttpRequest.newBuilder(URI.create(to.baseUrl() + path))
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  @Test
  void aModelThatKeepsCallingToolsIsStoppedAtMaxIterations() throws Exception {
    HttpResponse<String> r = post("/v1/chat/completions", """
        {"model":"looping","messages":[{"role":"user","content":"loop"}],"portcullis":{"mcp":["demo"]}}""");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("max_iterations_exceeded");
    assertThat(error.path("message").asText()).contains("max_iterations").contains("2 tool call(s) were made");
  }

  @Test
  void moreToolCallsThanAllowedRunNone() throws Exception {
    HttpResponse<String> r = post("/v1/chat/completions", """
        {"model":"demo","messages":[{"role":"user","content":
         "call demo__echo with {\\"text\\":\\"1\\"} call demo__echo with {\\"text\\":\\"2\\"} call demo__add with {\\"a\\":1,\\"b\\":2}"}],
         "portcullis":{"mcp":["demo"]}}""");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("max_tool_calls_exceeded");
    assertThat(error.path("message").asText()).contains("asked for 3 more tool call(s) after 0");
  }

  @Test
  void aStepThatNeverAnswersEndsTheRunAtMaxWallTimeAndIsCancelled() throws Exception {
    HttpResponse<String> r = post(hurried, "/v1/messages", """
        {"model":"looping","max_tokens":50,"messages":[{"role":"user","content":"wait"}],"portcullis":{"mcp":["demo"]}}""");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("message").asText()).contains("max_wall_ms (2000 ms)");
    // the hanging step was given up: the gateway closed its connection to the provider
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(fake.requests().stream().filter(ToolLoopBoundsTest::waits))
            .singleElement().satisfies(q -> assertThat(q.connectionClosed()).isTrue()));
  }
}
