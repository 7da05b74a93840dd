package dev.portcullis.llm.wire.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.portcullis.llm.wire.FakeProvider;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, through the gateway, against a fake of Anthropic's Messages API. */
class OpenAiSdkToAnthropicTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static FakeProvider fake;
  static GatewayHarness gw;
  static OpenAIClient client;

  public record WeatherArgs(String location, String unit) {}

  static final FunctionDefinition WEATHER = FunctionDefinition.builder()
      .name("get_weather")
      .description("Current weather in a city")
      .parameters(FunctionParameters.builder()
          .putAdditionalProperty("type", JsonValue.from("object"))
          .putAdditionalProperty("properties", JsonValue.from(Map.of(
              "location", Map.of("type", "string"),
              "unit", Map.of("type", "string", "enum", List.of("celsius", "fahrenheit")))))
          .build())
      .build();

  @BeforeAll
  static void start() throws Exception {
    fake = FakeAnthropic.start();
    gw = GatewayHarness.start("""
        router: { backoff_initial_ms: 1, backoff_max_ms: 2 }
        models:
          claude:
            deployments:
              - { type: anthropic, base_url: %1$s, api_key: %2$s, model: claude-sonnet-4-5-20250929 }
          claude-flaky:
            deployments:
              - { type: anthropic, base_url: %1$s, api_key: %2$s, model: claude-overloaded-once }
          claude-bad:
            deployments:
              - { type: anthropic, base_url: %1$s, api_key: %2$s }
          claude-stream-error:
            deployments:
              - { type: anthropic, base_url: %1$s, api_key: %2$s }
        """.formatted(fake.baseUrl(), FakeAnthropic.UPSTREAM_KEY));
    client = gw.openAi();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    fake.close();
  }

  @BeforeEach
  void clear() {
    fake.reset();
  }

  @Test
  void plainCompletionMapsRequestResponseAndCacheUsage() {
    ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("claude").addSystemMessage("Be brief.").addUserMessage("Hi").temperature(0.5).topP(0.9)
        .maxCompletionTokens(300).build());

    assertThat(c.choices().get(0).message().content()).contains("Hello! How can I help you today?");
    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    var u = c.usage().orElseThrow();
    assertThat(u.promptTokens()).isEqualTo(12 + 100 + 2048);
    assertThat(u.completionTokens()).isEqualTo(10);
    assertThat(u.promptTokensDetails().orElseThrow().cachedTokens()).contains(2048L);

    FakeProvider.Received r = fake.last();
    assertThat(r.path()).isEqualTo("/v1/messages");
    assertThat(r.headers().get("x-api-key")).isEqualTo(FakeAnthropic.UPSTREAM_KEY);
    assertThat(r.headers().get("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(r.headers().get("authorization")).isNull();
    assertThat(r.headers().entries().toString()).doesNotContain(GatewayHarness.KEY);
    JsonNode b = r.json();
    assertThat(b.path("model").asText()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(b.path("system").get(0).path("text").asText()).isEqualTo("Be brief.");
    assertThat(b.path("messages")).hasSize(1);
    assertThat(b.path("messages").get(0).path("role").asText()).isEqualTo("user");
    assertThat(b.path("max_tokens").asInt()).isEqualTo(300);
    assertThat(b.path("temperature").asDouble()).isEqualTo(0.5);
    assertThat(b.path("top_p").asDouble()).isEqualTo(0.9);
  }

  @Test
  void streamingArrivesAsOpenAiChunksWithUsage() {
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("claude").addUserMessage("Hi")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      s.stream().forEach(acc::accumulate);
    }
    ChatCompletion c = acc.chatCompletion();
    assertThat(c.choices().get(0).message().content()).contains("Hello from Claude!");
    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(35);
    assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(15);
    assertThat(fake.last().json().path("stream").asBoolean()).isTrue();
  }

  @Test
  void toolCallAndToolResultRoundTrip() {
    ChatCompletion first = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("claude").addUserMessage("Weather in SF?").addFunctionTool(WEATHER)
        .toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.REQUIRED)
        .parallelToolCalls(false).build());
    var choice = first.choices().get(0);
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    var call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(call.id()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
    assertThat(call.function().arguments(WeatherArgs.class))
        .isEqualTo(new WeatherArgs("San Francisco, CA", "celsius"));
    JsonNode sent = fake.last().json();
    assertThat(sent.path("tools").get(0).path("name").asText()).isEqualTo("get_weather");
    assertThat(sent.path("tools").get(0).path("input_schema").path("type").asText()).isEqualTo("object");
    assertThat(sent.path("tool_choice").path("type").asText()).isEqualTo("any");
    assertThat(sent.path("tool_choice").path("disable_parallel_tool_use").asBoolean()).isTrue();

    ChatCompletion second = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("claude").addUserMessage("Weather in SF?").addFunctionTool(WEATHER)
        .addMessage(choice.message())
        .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("15 C, sunny").build())
        .build());
    assertThat(second.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).contains("15"));
    JsonNode msgs = fake.last().json().path("messages");
    assertThat(msgs).hasSize(3);
    assertThat(msgs.get(1).path("content").get(1).path("type").asText()).isEqualTo("tool_use");
    assertThat(msgs.get(1).path("content").get(1).path("input").path("unit").asText()).isEqualTo("celsius");
    JsonNode result = msgs.get(2).path("content").get(0);
    assertThat(result.path("type").asText()).isEqualTo("tool_result");
    assertThat(result.path("tool_use_id").asText()).isEqualTo(call.id());
    assertThat(result.path("content").asText()).isEqualTo("15 C, sunny");
  }

  @Test
  void streamedToolCallAccumulatesArguments() {
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("claude").addUserMessage("Weather?").addFunctionTool(WEATHER)
            .build())) {
      s.stream().forEach(acc::accumulate);
    }
    ChatCompletion c = acc.chatCompletion();
    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    assertThat(c.choices().get(0).message().content()).contains("Let me check");
    var call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(call.id()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assertThat(call.function().arguments(WeatherArgs.class))
        .isEqualTo(new WeatherArgs("San Francisco, CA", "fahrenheit"));
  }

  @Test
  void imagesStopSequencesAndDroppedFieldsAreMapped() throws Exception {
    HttpResponse<String> resp = gw.post("/v1/chat/completions", """
        {"model":"claude","stop":"END","seed":7,"temperature":1.6,"reasoning_effort":"medium","messages":[
          {"role":"user","content":[{"type":"text","text":"What is this?"},
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
            {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}""");
    assertThat(resp.statusCode()).isEqualTo(200);
    JsonNode b = fake.last().json();
    JsonNode content = b.path("messages").get(0).path("content");
    assertThat(content.get(1).path("source").path("type").asText()).isEqualTo("base64");
    assertThat(content.get(1).path("source").path("media_type").asText()).isEqualTo("image/png");
    assertThat(content.get(1).path("source").path("data").asText()).isEqualTo("iVBORw0KGgo=");
    assertThat(content.get(2).path("source").path("url").asText()).isEqualTo("https://example.com/cat.jpg");
    assertThat(b.path("stop_sequences").get(0).asText()).isEqualTo("END");
    assertThat(b.has("seed")).isFalse();
    assertThat(b.path("thinking").path("budget_tokens").asInt()).isEqualTo(4096);
    assertThat(b.path("max_tokens").asInt()).isGreaterThan(4096);
    assertThat(b.has("temperature")).isFalse(); // not allowed with thinking
  }

  @Test
  void anthropicErrorsBecomeOpenAiErrors() {
    assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("claude-bad").addUserMessage("Hi").build()))
        .isInstanceOfSatisfying(BadRequestException.class, e -> {
          assertThat(e.getMessage()).contains("max_tokens: Field required");
          assertThat(e.statusCode()).isEqualTo(400);
        });
  }

  @Test
  void overloaded529IsRetried() throws Exception {
    HttpResponse<String> resp = gw.post("/v1/chat/completions",
        "{\"model\":\"claude-flaky\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-portcullis-attempts")).contains("2");
    assertThat(fake.received()).hasSize(2);
  }

  @Test
  void errorEventMidStreamEndsWithOpenAiErrorEvent() throws Exception {
    HttpResponse<String> resp = gw.post("/v1/chat/completions",
        "{\"model\":\"claude-stream-error\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(resp.body()).contains("\"content\":\"Partial\"");
    assertThat(resp.body()).contains("data: {\"error\":").contains("Overloaded").doesNotContain("[DONE]");
  }
}
