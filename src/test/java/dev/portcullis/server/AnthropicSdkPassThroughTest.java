package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.llm.wire.FakeProvider;
import dev.portcullis.llm.wire.anthropic.FakeAnthropicAccess;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official Anthropic Java SDK on /v1/messages, passed through natively to a fake Anthropic API. */
class AnthropicSdkPassThroughTest {
  static FakeProvider fake;
  static GatewayHarness gw;
  static AnthropicClient client;

  static final Tool WEATHER = Tool.builder().name("get_weather").description("Current weather")
      .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of(
          "location", Map.of("type", "string"), "unit", Map.of("type", "string")))).build())
      .build();

  @BeforeAll
  static void start() throws Exception {
    fake = FakeAnthropicAccess.start();
    gw = GatewayHarness.start("""
        models:
          claude:
            deployments:
              - { type: anthropic, base_url: %1$s, api_key: %2$s, model: claude-sonnet-4-5-20250929 }
          claude-stream-error:
            deployments:
              - { type: anthropic, base_url: %1$s, api_key: %2$s }
        """.formatted(fake.baseUrl(), FakeAnthropicAccess.UPSTREAM_KEY));
    client = AnthropicOkHttpClient.builder().baseUrl(gw.baseUrl()).apiKey(GatewayHarness.KEY).maxRetries(0)
        .timeout(Duration.ofSeconds(30)).build();
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
  void plainMessageKeepsUnknownFieldsAndBetaHeaders() {
    Message m = client.messages().create(MessageCreateParams.builder().model("claude").maxTokens(256)
        .system("Be brief.").addUserMessage("Hi")
        .putAdditionalHeader("anthropic-beta", "prompt-caching-2024-07-31")
        .putAdditionalBodyProperty("future_field", JsonValue.from(Map.of("x", 1)))
        .build());

    assertThat(m.content().get(0).text().orElseThrow().text()).isEqualTo("Hello! How can I help you today?");
    assertThat(m.stopReason()).contains(StopReason.END_TURN);
    assertThat(m.usage().inputTokens()).isEqualTo(12);
    assertThat(m.usage().cacheReadInputTokens()).contains(2048L);

    FakeProvider.Received r = fake.last();
    assertThat(r.headers().get("anthropic-beta")).isEqualTo("prompt-caching-2024-07-31");
    assertThat(r.headers().get("anthropic-version")).isNotBlank(); // the SDK's own version, kept
    assertThat(r.headers().get("x-api-key")).isEqualTo(FakeAnthropicAccess.UPSTREAM_KEY);
    assertThat(r.headers().entries().toString()).doesNotContain(GatewayHarness.KEY);
    JsonNode b = r.json();
    assertThat(b.path("future_field").path("x").asInt()).isEqualTo(1);
    assertThat(b.path("model").asText()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(b.path("system").asText()).isEqualTo("Be brief.");
  }

  @Test
  void streamingPassesEventsThrough() {
    MessageAccumulator acc = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(MessageCreateParams.builder()
        .model("claude").maxTokens(256).addUserMessage("Hi").build())) {
      s.stream().forEach(acc::accumulate);
    }
    Message m = acc.message();
    assertThat(m.content().get(0).text().orElseThrow().text()).isEqualTo("Hello from Claude!");
    assertThat(m.stopReason()).contains(StopReason.END_TURN);
    assertThat(m.usage().outputTokens()).isEqualTo(15);
  }

  @Test
  void toolUseStreamsWithArguments() {
    MessageAccumulator acc = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(MessageCreateParams.builder()
        .model("claude").maxTokens(256).addUserMessage("Weather?").addTool(WEATHER).build())) {
      s.stream().forEach(acc::accumulate);
    }
    Message m = acc.message();
    assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
    ToolUseBlock use = m.content().get(1).toolUse().orElseThrow();
    assertThat(use.name()).isEqualTo("get_weather");
    assertThat(use._input().toString()).contains("San Francisco, CA").contains("fahrenheit");
  }

  @Test
  void countTokensGoesToAnthropic() {
    long n = client.messages().countTokens(MessageCountTokensParams.builder().model("claude")
        .addUserMessage("Hi").build()).inputTokens();
    assertThat(n).isEqualTo(2095);
    assertThat(fake.last().path()).isEqualTo("/v1/messages/count_tokens");
  }

  @Test
  void errorsHaveAnthropicShape() throws Exception {
    assertThatThrownBy(() -> client.messages().create(MessageCreateParams.builder().model("nope").maxTokens(10)
        .addUserMessage("Hi").build())).isInstanceOf(NotFoundException.class);

    // the upstream's own 400 is relayed as Anthropic sent it
    HttpResponse<String> bad = gw.post("/v1/messages",
        "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("\"type\":\"error\"").contains("max_tokens: Field required");

    AnthropicClient wrongKey = AnthropicOkHttpClient.builder().baseUrl(gw.baseUrl()).apiKey("wrong")
        .maxRetries(0).build();
    assertThatThrownBy(() -> wrongKey.messages().create(MessageCreateParams.builder().model("claude")
        .maxTokens(10).addUserMessage("Hi").build())).isInstanceOf(UnauthorizedException.class);
    HttpResponse<String> unauth = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/messages"))
        .header("x-api-key", "wrong").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    assertThat(unauth.body()).contains("\"type\":\"error\"").contains("authentication_error");
    assertThatThrownBy(() -> client.messages().create(MessageCreateParams.builder().model("claude")
        .maxTokens(10).addUserMessage("Hi").putAdditionalBodyProperty("messages", JsonValue.from("x")).build()))
        .isInstanceOf(BadRequestException.class);
  }

  @Test
  void errorEventMidStreamEndsWithAnthropicErrorEvent() throws Exception {
    HttpResponse<String> resp = gw.post("/v1/messages", "{\"model\":\"claude-stream-error\",\"max_tokens\":10,"
        + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(resp.body()).contains("event: content_block_delta").contains("Partial");
    assertThat(resp.body()).contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"");
  }

  @Test
  void usageIsAccountedLikeAnyOtherRequest() throws Exception {
    double before = inputTokens();
    client.messages().create(MessageCreateParams.builder().model("claude").maxTokens(64).addUserMessage("Hi").build());
    // normalised usage: 12 input + 100 cache write + 2048 cache read prompt tokens per call
    assertThat(inputTokens() - before).isEqualTo(2160.0);
  }

  /** Input tokens counted so far for the Anthropic deployments. */
  private static double inputTokens() throws Exception {
    return gw.get("/metrics").body().lines().filter(l -> l.startsWith("portcullis_llm_tokens_total{")
            && l.contains("direction=\"input\"") && l.contains("provider=\"anthropic\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }
}
