package dev.portcullis.llm.wire.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
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
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.portcullis.llm.wire.FakeProvider;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, through the gateway, against a fake of AWS Bedrock Runtime. */
class OpenAiSdkToBedrockTest {
  static FakeProvider fake;
  static GatewayHarness gw;
  static OpenAIClient client;

  public record WeatherArgs(String location, String unit) {}

  static final FunctionDefinition WEATHER = FunctionDefinition.builder()
      .name("get_weather").description("Current weather")
      .parameters(FunctionParameters.builder()
          .putAdditionalProperty("type", JsonValue.from("object"))
          .putAdditionalProperty("properties", JsonValue.from(Map.of("location", Map.of("type", "string"),
              "unit", Map.of("type", "string"))))
          .build())
      .build();

  @BeforeAll
  static void start() throws Exception {
    fake = FakeBedrock.start();
    String common = "type: bedrock, base_url: " + fake.baseUrl() + ", region: us-east-1, access_key_id: "
        + FakeBedrock.ACCESS_KEY + ", secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, "
        + "session_token: FwoGZXIvYXdzEXAMPLETOKEN";
    gw = GatewayHarness.start("""
        router: { backoff_initial_ms: 1, backoff_max_ms: 2 }
        models:
          claude-bedrock:
            deployments:
              - { %1$s, model: "anthropic.claude-3-5-sonnet-20240620-v1:0" }
          throttled:
            deployments:
              - { %1$s, model: throttled-once }
          invalid:
            deployments:
              - { %1$s, model: invalid-model }
          titan:
            deployments:
              - { %1$s, model: "amazon.titan-embed-text-v2:0" }
        """.formatted(common));
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
  void plainCompletionIsSignedAndMapped() {
    ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("claude-bedrock").addSystemMessage("Be brief.").addUserMessage("Hi").temperature(0.2)
        .maxCompletionTokens(64).build());
    assertThat(c.choices().get(0).message().content()).contains("Hello from Bedrock!");
    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    var u = c.usage().orElseThrow();
    assertThat(u.promptTokens()).isEqualTo(14 + 20 + 10);
    assertThat(u.completionTokens()).isEqualTo(6);
    assertThat(u.promptTokensDetails().orElseThrow().cachedTokens()).contains(20L);

    FakeProvider.Received r = fake.last();
    assertThat(r.path()).isEqualTo("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
    assertThat(r.headers().get("authorization")).matches(FakeBedrock.AUTHORIZATION);
    assertThat(r.headers().get("x-amz-security-token")).isEqualTo("FwoGZXIvYXdzEXAMPLETOKEN");
    assertThat(r.headers().entries().toString()).doesNotContain(GatewayHarness.KEY);
    JsonNode b = r.json();
    assertThat(b.path("system").get(0).path("text").asText()).isEqualTo("Be brief.");
    assertThat(b.path("messages").get(0).path("content").get(0).path("text").asText()).isEqualTo("Hi");
    assertThat(b.path("inferenceConfig").path("maxTokens").asInt()).isEqualTo(64);
    assertThat(b.path("inferenceConfig").path("temperature").asDouble()).isEqualTo(0.2);
  }

  @Test
  void streamDecodesEventStreamFrames() {
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("claude-bedrock").addUserMessage("Hi")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      s.stream().forEach(acc::accumulate);
    }
    ChatCompletion c = acc.chatCompletion();
    assertThat(c.choices().get(0).message().content()).contains("Hello from Bedrock!");
    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(14);
    assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(5);
    assertThat(fake.last().path()).endsWith("/converse-stream");
  }

  @Test
  void toolUseAndToolResultRoundTrip() {
    ChatCompletion first = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("claude-bedrock").addUserMessage("Weather in Seattle?").addFunctionTool(WEATHER).build());
    var choice = first.choices().get(0);
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    var call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(call.id()).isEqualTo("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
    assertThat(call.function().arguments(WeatherArgs.class)).isEqualTo(new WeatherArgs("Seattle", "celsius"));
    JsonNode spec = fake.last().json().path("toolConfig").path("tools").get(0).path("toolSpec");
    assertThat(spec.path("name").asText()).isEqualTo("get_weather");
    assertThat(spec.path("inputSchema").path("json").path("type").asText()).isEqualTo("object");

    ChatCompletion second = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("claude-bedrock").addUserMessage("Weather in Seattle?").addFunctionTool(WEATHER)
        .addMessage(choice.message())
        .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("{\"temp\":12}").build())
        .build());
    assertThat(second.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).contains("12"));
    JsonNode msgs = fake.last().json().path("messages");
    assertThat(msgs.get(1).path("content").get(1).path("toolUse").path("input").path("location").asText())
        .isEqualTo("Seattle");
    JsonNode result = msgs.get(2).path("content").get(0).path("toolResult");
    assertThat(result.path("toolUseId").asText()).isEqualTo(call.id());
    assertThat(result.path("content").get(0).path("json").path("temp").asInt()).isEqualTo(12);
  }

  @Test
  void streamedToolUse() {
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("claude-bedrock").addUserMessage("Weather?")
            .addFunctionTool(WEATHER).build())) {
      s.stream().forEach(acc::accumulate);
    }
    ChatCompletion c = acc.chatCompletion();
    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    var call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(call.id()).isEqualTo("tooluse_Wq2M8aT1Rc6Zb0yHgYsL3g");
    assertThat(call.function().arguments(WeatherArgs.class)).isEqualTo(new WeatherArgs("Seattle", "celsius"));
  }

  @Test
  void throttlingExceptionFrameBeforeAnyContentIsRetried() throws Exception {
    HttpResponse<String> resp = gw.post("/v1/chat/completions",
        "{\"model\":\"throttled\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-portcullis-attempts")).contains("2");
    assertThat(resp.body()).contains("Hello").contains("data: [DONE]");
  }

  @Test
  void validationErrorBecomesOpenAiError() {
    assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("invalid").addUserMessage("Hi").build()))
        .isInstanceOfSatisfying(BadRequestException.class,
            e -> assertThat(e.getMessage()).contains("The provided model identifier is invalid."));
  }

  @Test
  void titanEmbeddings() {
    CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("titan").input("hello world").build());
    assertThat(r.data()).hasSize(1);
    assertThat(r.data().get(0).embedding()).hasSize(4);
    assertThat(r.usage().promptTokens()).isEqualTo(3);
    assertThat(fake.last().path()).isEqualTo("/model/amazon.titan-embed-text-v2%3A0/invoke");
    assertThat(fake.last().json().path("inputText").asText()).isEqualTo("hello world");
  }
}
