package dev.portcullis.llm;

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
 * The demo model's scripted mode through the gateway: "call NAME with {JSON}" in the last user
 * message makes it call exactly those offered tools (OpenAI tool_calls and Anthropic tool_use,
 * plain and streamed), a tool result makes it answer with text that includes the result.
 */
class DemoScriptTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOOLS = """
      "tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}},
               {"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""";
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - { name: demo-1, type: demo, model: demo-1 }
        """);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  static JsonNode chat(String messages, boolean stream) throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"demo\",\"stream\":" + stream
        + ",\"messages\":" + messages + "," + TOOLS + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return stream ? JSON.readTree(JSON.writeValueAsString(r.body())) : JSON.readTree(r.body());
  }

  @Test
  void aScriptMakesExactlyTheCallsItNamesInOrder() throws Exception {
    JsonNode c = chat("""
        [{"role":"user","content":"first call weather with {\\"city\\":\\"Oslo\\"} then call lookup with {\\"q\\":\\"call me\\"}"}]""",
        false);
    JsonNode calls = c.path("choices").path(0).path("message").path("tool_calls");
    assertThat(calls).hasSize(2);
    assertThat(calls.path(0).path("function").path("name").asText()).isEqualTo("weather");
    assertThat(calls.path(0).path("function").path("arguments").asText()).isEqualTo("{\"city\":\"Oslo\"}");
    assertThat(calls.path(1).path("function").path("name").asText()).isEqualTo("lookup");
    assertThat(calls.path(1).path("function").path("arguments").asText()).isEqualTo("{\"q\":\"call me\"}");
    assertThat(calls.path(0).path("id").asText()).isNotEqualTo(calls.path(1).path("id").asText());
    assertThat(c.path("choices").path(0).path("finish_reason").asText()).isEqualTo("tool_calls");

    String streamed = chat("""
        [{"role":"user","content":"call weather with {\\"city\\":\\"Oslo\\"} call lookup with {}"}]""", true).asText();
    assertThat(streamed).contains("\"index\":1,\"id\":").contains("\"name\":\"lookup\"")
        .contains("\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"").contains("\"finish_reason\":\"tool_calls\"")
        .endsWith("data: [DONE]\n\n");
  }

  @Test
  void aToolResultIsAnsweredWithTextThatIncludesIt() throws Exception {
    JsonNode c = chat("""
        [{"role":"user","content":"call weather with {\\"city\\":\\"Oslo\\"}"},
         {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"c1","content":"sunny, 21 C"}]""", false);
    assertThat(c.path("choices").path(0).path("message").path("content").asText())
        .isEqualTo("The tool returned: sunny, 21 C");
  }

  @Test
  void aScriptNamingAToolNotOfferedIsAnsweredInText() throws Exception {
    JsonNode c = chat("""
        [{"role":"user","content":"call delete_everything with {}"}]""", false);
    assertThat(c.path("choices").path(0).path("message").path("tool_calls").isMissingNode()).isTrue();
    assertThat(c.path("choices").path(0).path("message").path("content").asText())
        .contains("asked to call delete_everything, but no such tool is offered");
  }

  @Test
  void anthropicClientsGetToolUseBlocksPlainAndStreamed() throws Exception {
    String body = """
        {"model":"demo","max_tokens":100,"messages":[{"role":"user","content":"call weather with {\\"city\\":\\"Bergen\\"}"}],
         "tools":[{"name":"weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]%s}""";
    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/messages"))
        .header("x-api-key", GatewayHarness.KEY).header("anthropic-version", "2023-06-01")
        .POST(HttpRequest.BodyPublishers.ofString(body.formatted(""))).build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode m = JSON.readTree(r.body());
    assertThat(m.path("stop_reason").asText()).isEqualTo("tool_use");
    JsonNode use = m.path("content").path(0);
    assertThat(use.path("type").asText()).isEqualTo("tool_use");
    assertThat(use.path("name").asText()).isEqualTo("weather");
    assertThat(use.path("input").path("city").asText()).isEqualTo("Bergen");

    HttpResponse<String> s = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/messages"))
        .header("x-api-key", GatewayHarness.KEY).header("anthropic-version", "2023-06-01")
        .POST(HttpRequest.BodyPublishers.ofString(body.formatted(",\"stream\":true"))).build());
    assertThat(s.body()).contains("\"type\":\"tool_use\"").contains("\"name\":\"weather\"")
        .contains("input_json_delta").contains("\"stop_reason\":\"tool_use\"");
  }
}
