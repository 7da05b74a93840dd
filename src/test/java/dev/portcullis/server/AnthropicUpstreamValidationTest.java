package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.wire.FakeProvider;
import dev.portcullis.llm.wire.FakeProvider.Received;
import dev.portcullis.llm.wire.FakeProvider.Reply;
import dev.portcullis.llm.wire.anthropic.FakeAnthropicAccess;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Broken upstream answers on /v1/messages reach Anthropic clients in Anthropic's shape: a 502
 * {@code {"type":"error","error":{"type":"api_error"}}} before the first byte (after the next
 * deployment was tried), an {@code event: error} and no {@code message_stop} once the stream began.
 * Native pass-through and translation (an OpenAI-compatible upstream) alike.
 */
class AnthropicUpstreamValidationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String MESSAGE_START = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":"
      + "\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],"
      + "\"stop_reason\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
      + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
      + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n";

  static final AtomicReference<Function<Received, Reply>> brokenAnswer = new AtomicReference<>();
  static FakeProvider broken;
  static FakeProvider good;
  static GatewayHarness gw;
  static AnthropicClient client;

  @BeforeAll
  static void start() throws Exception {
    broken = new FakeProvider(r -> brokenAnswer.get().apply(r));
    good = FakeAnthropicAccess.start();
    gw = GatewayHarness.start("""
        router:
          max_attempts: 2
          backoff_initial_ms: 10
          backoff_max_ms: 20
          cooldown_failures: 1000
        models:
          claude:
            strategy: weighted
            deployments:
              - { name: broken, type: anthropic, base_url: %1$s, api_key: k, weight: 1 }
              - { name: good, type: anthropic, base_url: %2$s, api_key: %3$s, weight: 0 }
          claude-broken:
            deployments:
              - { name: broken-only, type: anthropic, base_url: %1$s, api_key: k }
          gpt-broken:
            deployments:
              - { name: broken-openai, type: openai_compatible, base_url: %1$s/v1 }
        """.formatted(broken.baseUrl(), good.baseUrl(), FakeAnthropicAccess.UPSTREAM_KEY));
    client = AnthropicOkHttpClient.builder().baseUrl(gw.baseUrl()).apiKey(GatewayHarness.KEY).maxRetries(0)
        .timeout(Duration.ofSeconds(30)).build();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    broken.close();
    good.close();
  }

  @BeforeEach
  void clear() {
    broken.reset();
    good.reset();
  }

  @Test
  void nonJsonMessageIsRetriedOnTheNextDeployment() {
    brokenAnswer.set(r -> Reply.json(200, "<html>gateway timeout</html>"));

    Message m = client.messages().create(MessageCreateParams.builder().model("claude").maxTokens(64)
        .addUserMessage("Hi").build());

    assertThat(m.content()).isNotEmpty();
    assertThat(broken.received()).hasSize(1);
    assertThat(good.received()).hasSize(1);
  }

  @Test
  void invalidMessageFromTheOnlyDeploymentIsA502InAnthropicShape() throws Exception {
    brokenAnswer.set(r -> Reply.json(200, "{\"type\":\"message\",\"id\":\"msg_x\"}"));

    HttpResponse<String> r = gw.post("/v1/messages", body("claude-broken", false));

    assertThat(r.statusCode()).isEqualTo(502);
    JsonNode err = JSON.readTree(r.body());
    assertThat(err.path("type").asText()).isEqualTo("error");
    assertThat(err.path("error").path("type").asText()).isEqualTo("api_error");
    assertThat(err.path("error").path("message").asText()).contains("'broken-only'")
        .contains(r.headers().firstValue("x-request-id").orElseThrow()).doesNotContain("msg_x");
  }

  @Test
  void redirectOnMessagesIsA502NotARedirect() throws Exception {
    brokenAnswer.set(r -> Reply.json(307, "").header("Location", "https://elsewhere.example/v1/messages"));

    HttpResponse<String> r = gw.post("/v1/messages", body("claude-broken", false));

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.headers().firstValue("location")).isEmpty();
    assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("api_error");
  }

  @Test
  void nonJsonEventAfterTheStreamBeganEndsItWithAnErrorEventAndNoMessageStop() throws Exception {
    brokenAnswer.set(r -> Reply.sse(MESSAGE_START + "event: content_block_delta\ndata: oops\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

    HttpResponse<String> r = gw.post("/v1/messages", body("claude-broken", true));

    assertThat(r.body()).contains("Hel").doesNotContain("message_stop").doesNotContain("oops");
    assertThat(lastEvent(r.body())).startsWith("event: error\n");
    JsonNode err = JSON.readTree(lastEvent(r.body()).substring(lastEvent(r.body()).indexOf("data: ") + 6));
    assertThat(err.path("error").path("type").asText()).isEqualTo("api_error");
  }

  @Test
  void truncatedStreamEndsWithAnErrorEventNotTheHalfEvent() throws Exception {
    brokenAnswer.set(r -> Reply.sse(MESSAGE_START + "event: content_block_delta\ndata: {\"type\":\"content_b"));

    HttpResponse<String> r = gw.post("/v1/messages", body("claude-broken", true));

    assertThat(r.body()).doesNotContain("message_stop").doesNotContain("content_b\n");
    assertThat(lastEvent(r.body())).startsWith("event: error\n");
  }

  @Test
  void brokenStreamSeenThroughTheSdkIsAnError() {
    brokenAnswer.set(r -> Reply.sse(MESSAGE_START + "event: content_block_delta\ndata: [1]\n\n"));
    List<String> types = new ArrayList<>();

    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(MessageCreateParams
          .builder().model("claude-broken").maxTokens(64).addUserMessage("Hi").build())) {
        assertThatThrownBy(() -> s.stream().forEach(e -> types.add(e.isMessageStop() ? "stop" : "event")))
            .isInstanceOf(RuntimeException.class);
      }
    });
    assertThat(types).isNotEmpty().doesNotContain("stop");
  }

  @Test
  void nonJsonTokenCountIsA502InAnthropicShape() throws Exception {
    brokenAnswer.set(r -> Reply.json(200, "{\"input_tokens\":\"many\"}"));

    HttpResponse<String> r = gw.post("/v1/messages/count_tokens",
        "{\"model\":\"claude-broken\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("api_error");
  }

  @Test
  void translatedOpenAiUpstreamWithoutChoicesIsA502InAnthropicShape() throws Exception {
    brokenAnswer.set(r -> Reply.json(200, "{\"object\":\"chat.completion\",\"choices\":null}"));

    HttpResponse<String> r = gw.post("/v1/messages", body("gpt-broken", false));

    assertThat(r.statusCode()).isEqualTo(502);
    JsonNode err = JSON.readTree(r.body());
    assertThat(err.path("type").asText()).isEqualTo("error");
    assertThat(err.path("error").path("type").asText()).isEqualTo("api_error");
  }

  @Test
  void translatedOpenAiStreamCutShortEndsWithAnAnthropicErrorEvent() throws Exception {
    brokenAnswer.set(r -> Reply.sse("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":"
        + "[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n" + "data: {\"id\":\"c1\",\"obj"));

    HttpResponse<String> r = gw.post("/v1/messages", body("gpt-broken", true));

    assertThat(r.body()).contains("Hel").doesNotContain("message_stop");
    assertThat(lastEvent(r.body())).startsWith("event: error\n");
  }

  private static String body(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"max_tokens\":64,\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  private static String lastEvent(String sse) {
    String[] events = sse.strip().split("\n\n");
    return events[events.length - 1];
  }
}
