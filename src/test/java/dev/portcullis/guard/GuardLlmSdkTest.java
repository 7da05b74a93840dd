package dev.portcullis.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guard end to end, driven by the official OpenAI and Anthropic Java SDKs: the fake
 * provider records what reached it (no e-mail address, card or phone number may), and echoes
 * the placeholders back, plainly or streamed in 3-character pieces that split them; the client
 * must get the original values back.
 */
class GuardLlmSdkTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String EMAIL = "anna.mueller@beispiel.de";
  static final String CARD = "4111 1111 1111 1111";
  static final String PHONE = "+44 20 7946 0958";
  static FakeOpenAiUpstream fake;
  static GatewayHarness gw;
  static OpenAIClient openai;
  static AnthropicClient anthropic;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    gw = GatewayHarness.start("""
        models:
          gpt-guarded:
            deployments:
              - type: openai_compatible
                base_url: %1$s
          open-model:
            deployments:
              - type: openai_compatible
                base_url: %1$s
        guard:
          rules:
            - name: no-secrets
              models: ["gpt-*"]
              detectors: [secrets]
              action: block
            - name: pseudonymise-pii
              surfaces: [llm]
              models: ["gpt-*"]
              detectors: [pii]
              action: pseudonymise
        """.formatted(fake.baseUrl()));
    openai = gw.openAi();
    anthropic = AnthropicOkHttpClient.builder().baseUrl(gw.baseUrl()).apiKey(GatewayHarness.KEY).maxRetries(0)
        .timeout(Duration.ofSeconds(30)).build();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    fake.close();
  }

  @BeforeEach
  void echo() {
    fake.otherwise(GuardLlmSdkTest::echoBehaviour);
  }

  /** Replies "Noted: " + the last message's text, plain or streamed in 3-character pieces. */
  static void echoBehaviour(io.vertx.core.http.HttpServerRequest req, FakeOpenAiUpstream.Received r) {
    JsonNode body = r.json();
    JsonNode messages = body.path("messages");
    JsonNode last = messages.get(messages.size() - 1);
    String said = last.path("content").isTextual() ? last.path("content").asText() : last.path("content").toString();
    String reply = "Noted: " + said;
    String model = body.path("model").asText();
    if (!body.path("stream").asBoolean(false)) {
      ObjectNode out = JSON.createObjectNode().put("id", "chatcmpl-echo").put("object", "chat.completion")
          .put("created", 1_700_000_000L).put("model", model);
      ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
      choice.putObject("message").put("role", "assistant").put("content", reply);
      choice.put("finish_reason", "stop");
      out.putObject("usage").put("prompt_tokens", 9).put("completion_tokens", 9).put("total_tokens", 18);
      req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(out.toString());
      return;
    }
    HttpServerResponse resp = req.response().setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream");
    for (int i = 0; i < reply.length(); i += 3) {
      ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-echo").put("object", "chat.completion.chunk")
          .put("created", 1_700_000_000L).put("model", model);
      ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
      choice.putObject("delta").put("content", reply.substring(i, Math.min(reply.length(), i + 3)));
      choice.putNull("finish_reason");
      resp.write("data: " + c + "\n\n");
    }
    ObjectNode end = JSON.createObjectNode().put("id", "chatcmpl-echo").put("object", "chat.completion.chunk")
        .put("created", 1_700_000_000L).put("model", model);
    end.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop").putObject("delta");
    resp.write("data: " + end + "\n\n");
    if (body.path("stream_options").path("include_usage").asBoolean(false)) {
      ObjectNode u = JSON.createObjectNode().put("id", "chatcmpl-echo").put("object", "chat.completion.chunk")
          .put("created", 1_700_000_000L).put("model", model);
      u.putArray("choices");
      u.putObject("usage").put("prompt_tokens", 9).put("completion_tokens", 9).put("total_tokens", 18);
      resp.write("data: " + u + "\n\n");
    }
    resp.end("data: [DONE]\n\n");
  }

  static String prompt() {
    return "Please email " + EMAIL + ", charge card " + CARD + " and call " + PHONE + ".";
  }

  static void assertNothingSensitiveUpstream() {
    String sent = fake.last().body().toString();
    assertThat(sent).doesNotContain(EMAIL).doesNotContain(CARD).doesNotContain("7946 0958")
        .contains("[EMAIL_1]").contains("[CREDIT_CARD_1]").contains("[PHONE_1]");
  }

  @Test
  void openAiPlainResponseGetsTheOriginalsBack() {
    ChatCompletion c = openai.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-guarded").addUserMessage(prompt()).build());
    assertNothingSensitiveUpstream();
    assertThat(c.choices().get(0).message().content()).contains("Noted: " + prompt());
  }

  @Test
  void openAiStreamGetsTheOriginalsBackEvenWhenPlaceholdersAreSplit() {
    StringBuilder text = new StringBuilder();
    try (var stream = openai.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
        .model("gpt-guarded").addUserMessage(prompt()).build())) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
    }
    assertNothingSensitiveUpstream();
    assertThat(text.toString()).isEqualTo("Noted: " + prompt());
  }

  @Test
  void toolCallArgumentsAndToolResultsArePseudonymisedToo() {
    ChatCompletion c = openai.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-guarded").addUserMessage("look up the customer")
        .addMessage(ChatCompletionAssistantMessageParam.builder().addToolCall(
            ChatCompletionMessageToolCall.ofFunction(ChatCompletionMessageFunctionToolCall.builder().id("call_1")
                .function(ChatCompletionMessageFunctionToolCall.Function.builder().name("find_customer")
                    .arguments("{\"email\":\"" + EMAIL + "\"}").build()).build())).build())
        .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("call_1")
            .content("{\"name\":\"Anna\",\"phone\":\"" + PHONE + "\",\"card\":\"" + CARD + "\"}").build())
        .build());
    String sent = fake.last().body().toString();
    assertThat(sent).doesNotContain(EMAIL).doesNotContain("7946 0958").doesNotContain(CARD)
        .contains("\\\"email\\\":\\\"[EMAIL_1]\\\"");
    assertThat(c.choices().get(0).message().content().orElseThrow()).contains(PHONE).contains(CARD);
  }

  @Test
  void secretsAreBlockedWithAClearErrorAndNeverSent() {
    int before = fake.attempts();
    assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-guarded").addUserMessage("use key ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8").build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("GITHUB_TOKEN").hasMessageContaining("no-secrets")
        .hasMessageNotContaining("a1B2c3D4");
    assertThat(fake.attempts()).isEqualTo(before);
  }

  @Test
  void modelsWithoutRulesPassUntouched() {
    ChatCompletion c = openai.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("open-model").addUserMessage(prompt()).build());
    assertThat(fake.last().body().toString()).contains(EMAIL);
    assertThat(c.choices().get(0).message().content().orElseThrow()).contains(EMAIL);
  }

  @Test
  void anthropicSdkPlainAndStreaming() {
    Message m = anthropic.messages().create(MessageCreateParams.builder().model("gpt-guarded").maxTokens(256)
        .addUserMessage(prompt()).build());
    assertNothingSensitiveUpstream();
    assertThat(m.content().get(0).text().orElseThrow().text()).isEqualTo("Noted: " + prompt());

    StringBuilder text = new StringBuilder();
    try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(
        MessageCreateParams.builder().model("gpt-guarded").maxTokens(256).addUserMessage(prompt()).build())) {
      stream.stream().forEach(e -> e.contentBlockDelta().ifPresent(d -> d.delta().text()
          .ifPresent(t -> text.append(t.text()))));
    }
    assertNothingSensitiveUpstream();
    assertThat(text.toString()).isEqualTo("Noted: " + prompt());
  }
}
