package dev.portcullis.llm;

import static dev.portcullis.testing.FakeOpenAiUpstream.cutStream;
import static dev.portcullis.testing.FakeOpenAiUpstream.error;
import static dev.portcullis.testing.FakeOpenAiUpstream.hang;
import static dev.portcullis.testing.FakeOpenAiUpstream.ok;
import static dev.portcullis.testing.FakeOpenAiUpstream.reset;
import static dev.portcullis.testing.FakeOpenAiUpstream.slowFirstByte;
import static dev.portcullis.testing.FakeOpenAiUpstream.status;
import static dev.portcullis.testing.FakeOpenAiUpstream.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the router copes with a misbehaving upstream: retries, timeouts, resets and broken
 * streams, seen through the official OpenAI SDK (and raw HTTP where the status matters).
 */
class RoutingFaultsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final ChatCompletionCreateParams HELLO = ChatCompletionCreateParams.builder()
      .model("gpt-test").addUserMessage("hello").build();
  static final String HELLO_JSON = "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

  FakeOpenAiUpstream fake;
  GatewayHarness gw;
  OpenAIClient client;

  @BeforeEach
  void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    gw = GatewayHarness.start("""
        router:
          max_attempts: 3
          backoff_initial_ms: 10
          backoff_max_ms: 50
          cooldown_failures: 1000
        models:
          gpt-test:
            deployments:
              - name: flaky
                type: openai_compatible
                base_url: %s
                api_key: upstream-secret
                timeouts: { first_byte_ms: 300 }
        """.formatted(fake.baseUrl()));
    client = gw.openAi();
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    fake.close();
  }

  @Test
  void rateLimitWithRetryAfterIsRetriedAfterWaiting() {
    fake.enqueue(status(429, FakeOpenAiUpstream.errorBody("Rate limit reached", "requests", "rate_limit_exceeded"),
        Map.of("Retry-After", "1")), ok());

    HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(HELLO);

    assertThat(raw.parse().choices().get(0).message().content()).contains("Hello from the fake.");
    assertThat(raw.headers().values("x-portcullis-attempts")).containsExactly("2");
    assertThat(fake.attempts()).isEqualTo(2);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(fake.requests().get(1).atNanos() - fake.requests().get(0).atNanos());
    assertThat(waitedMs).as("the gateway honoured Retry-After: 1").isGreaterThanOrEqualTo(900);
  }

  @Test
  void serverErrorIsRetried() {
    fake.enqueue(error(500, "server_error", null, "The server had an error"), ok());

    HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(HELLO);

    assertThat(raw.parse().choices().get(0).message().content()).contains("Hello from the fake.");
    assertThat(raw.headers().values("x-portcullis-attempts")).containsExactly("2");
    assertThat(fake.attempts()).isEqualTo(2);
  }

  @Test
  void allAttemptsFailingGivesA502NamingDeploymentAndAttempts() throws Exception {
    fake.otherwise(error(500, "server_error", null, "The server had an error"));

    HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);

    assertThat(r.statusCode()).isEqualTo(502);
    JsonNode err = JSON.readTree(r.body()).get("error");
    assertThat(err.get("type").asText()).isEqualTo("upstream_error");
    assertThat(err.get("message").asText()).contains("'flaky'").contains("3 attempts")
        .contains("The server had an error");
    assertThat(err.has("param")).isTrue();
    assertThat(err.has("code")).isTrue();
    assertThat(r.headers().firstValue("x-portcullis-attempts")).hasValue("3");
    assertThat(fake.attempts()).isEqualTo(3);
  }

  @Test
  void hangPastFirstByteTimeoutGivesA504() throws Exception {
    fake.otherwise(hang());

    HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
    JsonNode err = JSON.readTree(r.body()).get("error");
    assertThat(err.get("message").asText()).contains("'flaky'").contains("3 attempts").contains("300 ms");
    assertThat(fake.attempts()).isEqualTo(3);
    // The gateway gave up on each hanging request instead of leaving it open.
    await().atMost(Duration.ofSeconds(10))
        .until(() -> fake.requests().stream().allMatch(FakeOpenAiUpstream.Received::connectionClosed));
  }

  @Test
  void slowFirstByteWithinTheTimeoutIsWaitedFor() {
    fake.enqueue(slowFirstByte(100, ok()));

    HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(HELLO);

    assertThat(raw.parse().choices().get(0).message().content()).contains("Hello from the fake.");
    assertThat(raw.headers().values("x-portcullis-attempts")).containsExactly("1");
  }

  @Test
  void slowFirstByteBeyondTheTimeoutIsRetried() {
    fake.enqueue(slowFirstByte(2_000, ok("too late")), ok());

    HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(HELLO);

    assertThat(raw.parse().choices().get(0).message().content()).contains("Hello from the fake.");
    assertThat(fake.attempts()).isEqualTo(2);
  }

  @Test
  void resetConnectionIsRetried() {
    fake.enqueue(reset(), ok());

    HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(HELLO);

    assertThat(raw.parse().choices().get(0).message().content()).contains("Hello from the fake.");
    assertThat(raw.headers().values("x-portcullis-attempts")).containsExactly("2");
    assertThat(fake.attempts()).isEqualTo(2);
  }

  @Test
  void streamFailingBeforeItsFirstByteIsRetriedTransparently() {
    // An HTTP error, then a stream cut inside its first event: nothing reached the client yet.
    fake.enqueue(error(503, "server_error", null, "overloaded"), cutStream(0), stream(3));

    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(HELLO)) {
      String text = s.stream().flatMap(c -> c.choices().stream())
          .map(c -> c.delta().content().orElse("")).collect(Collectors.joining());
      assertThat(text).isEqualTo("w0 w1 w2 ");
    }
    assertThat(fake.attempts()).isEqualTo(3);
  }

  @Test
  void streamCutAfterItsFirstBytesFailsTheClientStreamWithoutRetry() {
    fake.enqueue(cutStream(2), stream(3));
    List<String> seen = new ArrayList<>();

    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(HELLO)) {
        assertThatThrownBy(() -> s.stream().flatMap(c -> c.choices().stream())
            .forEach(c -> seen.add(c.delta().content().orElse(""))))
            .as("a broken stream must surface as an error, not as a normal end or a hang")
            .isInstanceOf(RuntimeException.class);
      }
    });
    assertThat(seen).containsExactly("w0 ", "w1 ");
    assertThat(fake.attempts()).isEqualTo(1);
  }

  @Test
  void nonRetryable400IsRelayedAsIs() throws Exception {
    String body = "{\"error\":{\"message\":\"Invalid value for 'temperature': must be <= 2.\","
        + "\"type\":\"invalid_request_error\",\"param\":\"temperature\",\"code\":\"invalid_value\"}}";
    fake.otherwise(status(400, body, Map.of()));

    HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).isEqualTo(body);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).contains("json"));
    assertThat(fake.attempts()).isEqualTo(1);

    assertThatThrownBy(() -> client.chat().completions().create(HELLO))
        .isInstanceOfSatisfying(BadRequestException.class, e -> {
          assertThat(e.code()).hasValue("invalid_value");
          assertThat(e.param()).hasValue("temperature");
        });
    assertThat(fake.attempts()).isEqualTo(2);
  }
}
