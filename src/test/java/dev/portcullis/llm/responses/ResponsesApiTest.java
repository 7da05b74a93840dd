package dev.portcullis.llm.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /v1/responses} on the demo provider (translated to chat completions), with responses kept in SQLite. */
class ResponsesApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OTHER = "other-key";
  private static GatewayHarness gw;
  private static Path dir;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("responses-api");
    gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        clients:
          keys: [%s, %s]
        store:
          url: jdbc:sqlite:%s/p.db
          responses_retention_days: 7
        """.formatted(GatewayHarness.KEY, OTHER, dir));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  private static JsonNode post(String body, int status) throws Exception {
    HttpResponse<String> r = gw.post("/v1/responses", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  private static HttpResponse<String> as(String key, String method, String path) throws Exception {
    return gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path)).header("authorization", "Bearer " + key)
        .method(method, HttpRequest.BodyPublishers.noBody()).build());
  }

  @Test
  void plainResponseHasOpenAisShapeAndUsage() throws Exception {
    JsonNode r = post("""
        {"model":"demo","instructions":"Be brief.","input":"Hello there","metadata":{"run":"7"},
         "temperature":0.5,"max_output_tokens":200}""", 200);
    assertThat(r.path("id").asText()).startsWith("resp_");
    assertThat(r.path("object").asText()).isEqualTo("response");
    assertThat(r.path("status").asText()).isEqualTo("completed");
    assertThat(r.path("instructions").asText()).isEqualTo("Be brief.");
    assertThat(r.path("metadata").path("run").asText()).isEqualTo("7");
    assertThat(r.path("temperature").asDouble()).isEqualTo(0.5);
    assertThat(r.path("max_output_tokens").asInt()).isEqualTo(200);
    JsonNode message = r.path("output").get(0);
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("role").asText()).isEqualTo("assistant");
    assertThat(message.path("id").asText()).startsWith("msg_");
    assertThat(message.path("content").get(0).path("type").asText()).isEqualTo("output_text");
    assertThat(message.path("content").get(0).path("text").asText()).contains("You said: Hello there");
    assertThat(r.path("usage").path("input_tokens").asLong()).isPositive();
    assertThat(r.path("usage").path("output_tokens").asLong()).isPositive();
    assertThat(r.path("usage").path("total_tokens").asLong()).isEqualTo(
        r.path("usage").path("input_tokens").asLong() + r.path("usage").path("output_tokens").asLong());
  }

  @Test
  void streamSendsEveryEventInOrderWithSequenceNumbers() throws Exception {
    HttpResponse<String> r = gw.post("/v1/responses", """
        {"model":"demo","input":[{"role":"user","content":[{"type":"input_text","text":"stream this"}]}],
         "stream":true}""");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    List<JsonNode> events = new ArrayList<>();
    for (String block : r.body().split("\n\n")) {
      String[] lines = block.split("\n");
      assertThat(lines[0]).startsWith("event: ");
      JsonNode data = JSON.readTree(lines[1].substring("data: ".length()));
      assertThat(data.path("type").asText()).isEqualTo(lines[0].substring("event: ".length()));
      events.add(data);
    }
    List<String> types = events.stream().map(e -> e.path("type").asText()).distinct().toList();
    assertThat(types).containsExactly("response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.completed");
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).path("sequence_number").asInt()).isEqualTo(i);
    }
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> e.path("type").asText().equals("response.output_text.delta"))
        .forEach(e -> text.append(e.path("delta").asText()));
    JsonNode completed = events.get(events.size() - 1).path("response");
    assertThat(completed.path("status").asText()).isEqualTo("completed");
    assertThat(completed.path("output").get(0).path("content").get(0).path("text").asText())
        .isEqualTo(text.toString()).contains("stream this");
    assertThat(completed.path("usage").path("output_tokens").asLong()).isPositive();
    assertThat(completed.path("id").asText()).isEqualTo(events.get(0).path("response").path("id").asText());
  }

  @Test
  void functionCallThenItsOutputContinuesThePreviousResponse() throws Exception {
    JsonNode first = post("""
        {"model":"demo","input":"What is the weather in Paris?",
         "tools":[{"type":"function","name":"get_weather","description":"Weather of a city",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
         "tool_choice":"auto"}""", 200);
    JsonNode call = first.path("output").get(0);
    assertThat(call.path("type").asText()).isEqualTo("function_call");
    assertThat(call.path("name").asText()).isEqualTo("get_weather");
    assertThat(JSON.readTree(call.path("arguments").asText()).has("city")).isTrue();
    JsonNode second = post("""
        {"model":"demo","previous_response_id":"%s",
         "input":[{"type":"function_call_output","call_id":"%s","output":"sunny, 21 C"}]}"""
        .formatted(first.path("id").asText(), call.path("call_id").asText()), 200);
    assertThat(second.path("previous_response_id").asText()).isEqualTo(first.path("id").asText());
    assertThat(second.path("output").get(0).path("content").get(0).path("text").asText())
        .contains("The tool returned: sunny, 21 C");

    HttpResponse<String> items = as(GatewayHarness.KEY, "GET",
        "/v1/responses/" + second.path("id").asText() + "/input_items?order=asc");
    assertThat(items.statusCode()).isEqualTo(200);
    JsonNode list = JSON.readTree(items.body());
    assertThat(list.path("object").asText()).isEqualTo("list");
    assertThat(list.path("data")).extracting(i -> i.path("type").asText())
        .containsExactly("message", "function_call", "function_call_output");
    assertThat(list.path("first_id").asText()).isEqualTo(list.path("data").get(0).path("id").asText());
    assertThat(list.path("has_more").asBoolean()).isFalse();
  }

  @Test
  void storedResponsesBelongToTheirCreator() throws Exception {
    JsonNode r = post("{\"model\":\"demo\",\"input\":\"keep me\"}", 200);
    String id = r.path("id").asText();
    HttpResponse<String> mine = as(GatewayHarness.KEY, "GET", "/v1/responses/" + id);
    assertThat(mine.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(mine.body())).isEqualTo(r);

    HttpResponse<String> theirs = as(OTHER, "GET", "/v1/responses/" + id);
    assertThat(theirs.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(theirs.body()).path("error").path("message").asText()).contains(id);
    assertThat(as(OTHER, "DELETE", "/v1/responses/" + id).statusCode()).isEqualTo(404);
    HttpResponse<String> continued = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/responses"))
        .header("authorization", "Bearer " + OTHER).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"input\":\"x\",\"previous_response_id\":\""
            + id + "\"}")).build());
    assertThat(continued.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(continued.body()).path("error").path("code").asText())
        .isEqualTo("previous_response_not_found");

    HttpResponse<String> deleted = as(GatewayHarness.KEY, "DELETE", "/v1/responses/" + id);
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(deleted.body()).path("deleted").asBoolean()).isTrue();
    assertThat(as(GatewayHarness.KEY, "GET", "/v1/responses/" + id).statusCode()).isEqualTo(404);
  }

  @Test
  void storeFalseKeepsNothing() throws Exception {
    JsonNode r = post("{\"model\":\"demo\",\"input\":\"forget me\",\"store\":false}", 200);
    assertThat(r.path("store").asBoolean()).isFalse();
    assertThat(as(GatewayHarness.KEY, "GET", "/v1/responses/" + r.path("id").asText()).statusCode()).isEqualTo(404);
  }

  @Test
  void badInputIsAClear400() throws Exception {
    JsonNode unknown = post("{\"model\":\"demo\",\"input\":[{\"type\":\"teleport\",\"to\":\"mars\"}]}", 400);
    assertThat(unknown.path("error").path("param").asText()).isEqualTo("input[0].type");
    assertThat(unknown.path("error").path("message").asText()).contains("teleport");
    JsonNode part = post("""
        {"model":"demo","input":[{"role":"user","content":[{"type":"input_video","url":"x"}]}]}""", 400);
    assertThat(part.path("error").path("param").asText()).isEqualTo("input[0].content[0].type");
    JsonNode notString = post("{\"model\":\"demo\",\"input\":42}", 400);
    assertThat(notString.path("error").path("param").asText()).isEqualTo("input");
    JsonNode noModel = post("{\"input\":\"hi\"}", 400);
    assertThat(noModel.path("error").path("param").asText()).isEqualTo("model");
    JsonNode missing = post("{\"model\":\"demo\",\"input\":\"hi\",\"previous_response_id\":\"resp_nope\"}", 404);
    assertThat(missing.path("error").path("param").asText()).isEqualTo("previous_response_id");
    JsonNode conversation = post("{\"model\":\"demo\",\"input\":\"hi\",\"conversation\":\"conv_1\"}", 400);
    assertThat(conversation.path("error").path("param").asText()).isEqualTo("conversation");
    JsonNode reference = post("{\"model\":\"demo\",\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}",
        400);
    assertThat(reference.path("error").path("message").asText()).contains("item_reference");
    JsonNode hosted = post("""
        {"model":"demo","input":[{"type":"computer_call_output","call_id":"c","output":{}}]}""", 400);
    assertThat(hosted.path("error").path("code").asText()).isEqualTo("unsupported_by_provider");
  }

  @Test
  void inputTokensCountsTheInputLocally() throws Exception {
    HttpResponse<String> small = gw.post("/v1/responses/input_tokens", "{\"model\":\"demo\",\"input\":\"hi\"}");
    HttpResponse<String> large = gw.post("/v1/responses/input_tokens",
        "{\"model\":\"demo\",\"instructions\":\"You are a careful assistant who answers in French.\",\"input\":\"hi\"}");
    assertThat(small.statusCode()).as(small.body()).isEqualTo(200);
    JsonNode s = JSON.readTree(small.body());
    assertThat(s.path("object").asText()).isEqualTo("response.input_tokens");
    assertThat(s.path("input_tokens").asLong()).isPositive();
    assertThat(JSON.readTree(large.body()).path("input_tokens").asLong()).isGreaterThan(s.path("input_tokens").asLong());
  }
}
