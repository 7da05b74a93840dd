package dev.portcullis.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.portcullis.testing.GatewayHarness;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI Java SDK's features, end to end through the gateway to the built-in demo provider. */
class DemoSdkFeaturesTest {
  static GatewayHarness gw;
  static OpenAIClient client;

  /** What the SDK parses a tool call's arguments into. */
  public record WeatherArgs(String city, String unit) {}

  static final FunctionDefinition WEATHER = FunctionDefinition.builder()
      .name("get_weather")
      .description("Current weather in a city")
      .parameters(FunctionParameters.builder()
          .putAdditionalProperty("type", JsonValue.from("object"))
          .putAdditionalProperty("properties", JsonValue.from(Map.of(
              "city", Map.of("type", "string"),
              "unit", Map.of("type", "string", "enum", List.of("celsius", "fahrenheit")))))
          .putAdditionalProperty("required", JsonValue.from(List.of("city", "unit")))
          .build())
      .build();

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
          demo-embed:
            deployments:
              - type: demo
        """);
    client = gw.openAi();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  @Test
  void toolCallArrivesWithParsableArguments() {
    ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("demo").addUserMessage("Paris").addFunctionTool(WEATHER).build());

    var choice = c.choices().get(0);
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(call.id()).isNotBlank();
    assertThat(call.function().name()).isEqualTo("get_weather");
    WeatherArgs args = call.function().arguments(WeatherArgs.class);
    assertThat(args).isEqualTo(new WeatherArgs("Paris", "celsius"));
  }

  @Test
  void streamedToolCallAccumulatesIntoParsableArguments() {
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("demo").addUserMessage("Berlin").addFunctionTool(WEATHER)
            .build())) {
      s.stream().forEach(acc::accumulate);
    }
    ChatCompletion c = acc.chatCompletion();

    assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    var call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(call.function().name()).isEqualTo("get_weather");
    assertThat(call.function().arguments(WeatherArgs.class)).isEqualTo(new WeatherArgs("Berlin", "celsius"));
  }

  @Test
  void toolResultRoundTrip() {
    ChatCompletion first = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("demo").addUserMessage("Rome").addFunctionTool(WEATHER).build());
    var call = first.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();

    ChatCompletion second = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("demo").addUserMessage("Rome").addFunctionTool(WEATHER)
        .addMessage(first.choices().get(0).message())
        .addMessage(com.openai.models.chat.completions.ChatCompletionToolMessageParam.builder()
            .toolCallId(call.id()).content("sunny, 24 C").build())
        .build());

    assertThat(second.choices().get(0).message().content()).hasValueSatisfying(
        t -> assertThat(t).contains("sunny, 24 C"));
  }

  @Test
  void embeddings() {
    CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("demo-embed").inputOfArrayOfStrings(List.of("alpha", "beta")).dimensions(8).build());

    assertThat(r.data()).hasSize(2);
    assertThat(r.data().get(1).index()).isEqualTo(1);
    List<Float> v = r.data().get(0).embedding();
    assertThat(v).hasSize(8);
    double norm = Math.sqrt(v.stream().mapToDouble(f -> f * f).sum());
    assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
    assertThat(r.usage().promptTokens()).isPositive();
  }

  @Test
  void modelsListAndRetrieve() {
    List<String> ids = client.models().list().data().stream().map(Model::id).collect(Collectors.toList());
    assertThat(ids).containsExactly("demo", "demo-embed");
    assertThat(client.models().retrieve("demo").id()).isEqualTo("demo");
    assertThatThrownBy(() -> client.models().retrieve("nope"))
        .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).hasValue("model_not_found"));
  }

  @Test
  void nChoices() {
    ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("demo").addUserMessage("twice").n(2).build());

    assertThat(c.choices()).hasSize(2);
    assertThat(c.choices()).extracting(ChatCompletion.Choice::index).containsExactly(0L, 1L);
    assertThat(c.choices()).allSatisfy(ch -> assertThat(ch.message().content()).hasValueSatisfying(
        t -> assertThat(t).contains("You said: twice")));
  }

  @Test
  void streamedNChoicesStayApart() {
    Map<Long, String> byIndex;
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("demo").addUserMessage("two streams").n(2).build())) {
      byIndex = s.stream().flatMap(ch -> ch.choices().stream()).collect(Collectors.groupingBy(
          ChatCompletionChunk.Choice::index, Collectors.mapping(ch -> ch.delta().content().orElse(""),
              Collectors.joining())));
    }
    assertThat(byIndex).containsOnlyKeys(0L, 1L);
    assertThat(byIndex.values()).allSatisfy(t -> assertThat(t).endsWith("You said: two streams"));
  }

  @Test
  void logprobs() {
    ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("demo").addUserMessage("odds").logprobs(true).build());

    List<ChatCompletionTokenLogprob> tokens = c.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
    assertThat(tokens).isNotEmpty();
    assertThat(tokens.stream().map(ChatCompletionTokenLogprob::token).collect(Collectors.joining()))
        .isEqualTo(c.choices().get(0).message().content().orElseThrow());
    assertThat(tokens).allSatisfy(t -> assertThat(t.logprob()).isNegative());
  }

  @Test
  void jsonResponseFormat() throws Exception {
    ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("demo").addUserMessage("as json")
        .responseFormat(com.openai.models.ResponseFormatJsonObject.builder().build()).build());
    String text = c.choices().get(0).message().content().orElseThrow();
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(text).get("reply").asText())
        .contains("You said: as json");
  }
}
