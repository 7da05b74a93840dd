package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import dev.portcullis.testing.GatewayHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official Anthropic Java SDK on /v1/messages, translated to an OpenAI-format upstream (the
 * built-in demo provider, which answers in OpenAI's exact wire format) and back.
 */
class AnthropicSdkToOpenAiTest {
  static GatewayHarness gw;
  static AnthropicClient client;

  static final Tool WEATHER = Tool.builder().name("get_weather").description("Current weather")
      .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of(
          "city", Map.of("type", "string"), "unit", Map.of("type", "string", "enum", List.of("celsius")))))
          .build())
      .build();

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayHarness.start("""
        models:
          gpt-demo:
            deployments:
              - type: demo
        """);
    client = AnthropicOkHttpClient.builder().baseUrl(gw.baseUrl()).apiKey(GatewayHarness.KEY).maxRetries(0)
        .timeout(Duration.ofSeconds(30)).build();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  @Test
  void plainMessage() {
    Message m = client.messages().create(MessageCreateParams.builder().model("gpt-demo").maxTokens(256)
        .system("Be brief.").addUserMessage("ping").build());
    assertThat(m.content().get(0).text().orElseThrow().text()).contains("You said: ping");
    assertThat(m.stopReason()).contains(StopReason.END_TURN);
    assertThat(m.usage().inputTokens()).isPositive();
    assertThat(m.usage().outputTokens()).isPositive();
    assertThat(m.model().asString()).isEqualTo("gpt-demo");
  }

  @Test
  void streamedMessage() {
    MessageAccumulator acc = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(MessageCreateParams.builder()
        .model("gpt-demo").maxTokens(256).addUserMessage("stream me").build())) {
      s.stream().forEach(acc::accumulate);
    }
    Message m = acc.message();
    assertThat(m.content().get(0).text().orElseThrow().text())
        .isEqualTo("Hello from the Portcullis demo model. You said: stream me");
    assertThat(m.stopReason()).contains(StopReason.END_TURN);
    assertThat(m.usage().outputTokens()).isPositive();
  }

  @Test
  void toolUseAndToolResultRoundTrip() {
    Message first = client.messages().create(MessageCreateParams.builder().model("gpt-demo").maxTokens(256)
        .addUserMessage("Paris").addTool(WEATHER).build());
    assertThat(first.stopReason()).contains(StopReason.TOOL_USE);
    ToolUseBlock use = first.content().stream().flatMap(b -> b.toolUse().stream()).findFirst().orElseThrow();
    assertThat(use.name()).isEqualTo("get_weather");
    assertThat(use._input().toString()).contains("Paris").contains("celsius");

    Message second = client.messages().create(MessageCreateParams.builder().model("gpt-demo").maxTokens(256)
        .addUserMessage("Paris").addTool(WEATHER).addMessage(first)
        .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
            .toolUseId(use.id()).content("sunny, 24 C").build())))
        .build());
    assertThat(second.content().get(0).text().orElseThrow().text()).contains("sunny, 24 C");
    assertThat(second.stopReason()).contains(StopReason.END_TURN);
  }

  @Test
  void streamedToolUse() {
    MessageAccumulator acc = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(MessageCreateParams.builder()
        .model("gpt-demo").maxTokens(256).addUserMessage("Berlin").addTool(WEATHER).build())) {
      s.stream().forEach(acc::accumulate);
    }
    Message m = acc.message();
    assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
    ToolUseBlock use = m.content().stream().flatMap(b -> b.toolUse().stream()).findFirst().orElseThrow();
    assertThat(use._input().toString()).contains("Berlin");
  }

  @Test
  void countTokensIsEstimatedLocally() {
    long n = client.messages().countTokens(MessageCountTokensParams.builder().model("gpt-demo")
        .addUserMessage("How many tokens is this?").build()).inputTokens();
    assertThat(n).isBetween(5L, 30L);
  }
}
