package dev.portcullis.llm.wire.gemini;

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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, through the gateway, against a fake of Google's Gemini API. */
class OpenAiSdkToGeminiTest {
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
          .putAdditionalProperty("additionalProperties", JsonValue.from(false))
          .build())
      .build();

  @BeforeAll
  static void start() throws Exception {
    fake = FakeGemini.start();
    gw = GatewayHarness.start("""
        models:
          gemini:
            deployments:
              - { type: gemini, base_url: %1$s/v1beta, api_key: %2$s, model: gemini-2.5-flash }
          gemini-blocked:
            deployments:
              - { type: gemini, base_url: %1$s/v1beta, api_key: %2$s }
          gemini-wrong-key:
            deployments:
              - { type: gemini, base_url: %1$s/v1beta, api_key: wrong }
          gemini-embed:
            deployments:
              - { type: gemini, base_url: %1$s/v1beta, api_key: %2$s, model: gemini-embedding-001 }
        """.formatted(fake.baseUrl(), FakeGemini.UPSTREAM_KEY));
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
  void plainCompletion() {
    ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gemini").addSystemMessage("Be brief.").addUserMessage("Hi").temperature(0.3).maxCompletionTokens(50)
        .stop(ChatCompletionCreateParams.Stop.ofString("END")).build());
    assertThat(c.choices().get(0).message().content()).contains("Hello from Gemini!");
    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(8);
    assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(5);
    assertThat(c.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens()).contains(2L);

    FakeProvider.Received r = fake.last();
    assertThat(r.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
    assertThat(r.headers().entries().toString()).doesNotContain(GatewayHarness.KEY);
    JsonNode b = r.json();
    assertThat(b.path("systemInstruction").path("parts").get(0).path("text").asText()).isEqualTo("Be brief.");
    assertThat(b.path("contents").get(0).path("role").asText()).isEqualTo("user");
    assertThat(b.path("contents").get(0).path("parts").get(0).path("text").asText()).isEqualTo("Hi");
    assertThat(b.path("generationConfig").path("temperature").asDouble()).isEqualTo(0.3);
    assertThat(b.path("generationConfig").path("maxOutputTokens").asInt()).isEqualTo(50);
    assertThat(b.path("generationConfig").path("stopSequences").get(0).asText()).isEqualTo("END");
  }

  @Test
  void streamingWithUsage() {
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("gemini").addUserMessage("Hi")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      s.stream().forEach(acc::accumulate);
    }
    ChatCompletion c = acc.chatCompletion();
    assertThat(c.choices().get(0).message().content()).contains("Hello from Gemini!");
    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(4 + 18);
    assertThat(c.usage().orElseThrow().completionTokensDetails().orElseThrow().reasoningTokens()).contains(18L);
    assertThat(fake.last().uri()).endsWith(":streamGenerateContent?alt=sse");
  }

  @Test
  void functionCallAndResponseRoundTrip() {
    ChatCompletion first = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gemini").addUserMessage("Weather in Paris?").addFunctionTool(WEATHER).build());
    var choice = first.choices().get(0);
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    var call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(call.function().name()).isEqualTo("get_weather");
    assertThat(call.function().arguments(WeatherArgs.class)).isEqualTo(new WeatherArgs("Paris", "celsius"));
    JsonNode decl = fake.last().json().path("tools").get(0).path("functionDeclarations").get(0);
    assertThat(decl.path("name").asText()).isEqualTo("get_weather");
    assertThat(decl.path("parameters").has("additionalProperties")).isFalse();

    ChatCompletion second = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gemini").addUserMessage("Weather in Paris?").addFunctionTool(WEATHER)
        .addMessage(choice.message())
        .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id())
            .content("{\"temp\":18,\"sky\":\"cloudy\"}").build())
        .build());
    assertThat(second.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).contains("18"));
    JsonNode contents = fake.last().json().path("contents");
    assertThat(contents.get(1).path("role").asText()).isEqualTo("model");
    assertThat(contents.get(1).path("parts").get(0).path("functionCall").path("args").path("location").asText())
        .isEqualTo("Paris");
    JsonNode fr = contents.get(2).path("parts").get(0).path("functionResponse");
    assertThat(fr.path("name").asText()).isEqualTo("get_weather");
    assertThat(fr.path("response").path("content").path("temp").asInt()).isEqualTo(18);
  }

  @Test
  void streamedFunctionCall() {
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("gemini").addUserMessage("Weather?").addFunctionTool(WEATHER)
            .build())) {
      s.stream().forEach(acc::accumulate);
    }
    ChatCompletion c = acc.chatCompletion();
    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    var call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(call.function().arguments(WeatherArgs.class)).isEqualTo(new WeatherArgs("Paris", "celsius"));
  }

  @Test
  void safetyBlockBecomesContentFilter() {
    ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gemini-blocked").addUserMessage("something dangerous").build());
    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.CONTENT_FILTER);
    assertThat(c.choices().get(0).message().refusal()).hasValueSatisfying(t -> assertThat(t).contains("SAFETY"));
  }

  @Test
  void errorsBecomeOpenAiErrors() {
    assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gemini-wrong-key").addUserMessage("Hi").build()))
        .isInstanceOfSatisfying(BadRequestException.class,
            e -> assertThat(e.getMessage()).contains("API key not valid"));
  }

  @Test
  void embeddings() {
    CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("gemini-embed").inputOfArrayOfStrings(List.of("alpha", "beta")).dimensions(4).build());
    assertThat(r.data()).hasSize(2);
    assertThat(r.data().get(0).embedding().get(0)).isCloseTo(0.0123f, org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(r.data().get(1).index()).isEqualTo(1);
    JsonNode sent = fake.last().json();
    assertThat(fake.last().path()).isEqualTo("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    assertThat(sent.path("requests").get(1).path("content").path("parts").get(0).path("text").asText())
        .isEqualTo("beta");
    assertThat(sent.path("requests").get(0).path("outputDimensionality").asInt()).isEqualTo(4);
  }
}
