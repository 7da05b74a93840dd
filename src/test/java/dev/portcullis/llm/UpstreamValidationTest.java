package dev.portcullis.llm;

import static dev.portcullis.testing.FakeOpenAiUpstream.ok;
import static dev.portcullis.testing.FakeOpenAiUpstream.status;
import static dev.portcullis.testing.FakeOpenAiUpstream.stream;
import static dev.portcullis.testing.FakeOpenAiUpstream.streamThen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Upstream answers are not trusted: a body that is not the JSON the endpoint returns, a redirect,
 * an unasked content encoding, a broken, cut or oversized stream event fail the attempt. Before
 * the first byte the next deployment answers (and the broken one cools down); after it the client
 * stream ends with an error event, never with {@code [DONE]}. Driven by the official OpenAI SDK
 * and raw HTTP.
 */
class UpstreamValidationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final ChatCompletionCreateParams HELLO = ChatCompletionCreateParams.builder()
      .model("gpt-test").addUserMessage("hello").build();
  static final String HELLO_JSON = "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
  static final String STREAM_JSON = "{\"model\":\"gpt-test\",\"stream\":true,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

  /** Tried first (the only weight); cools down after one failure. */
  FakeOpenAiUpstream broken;
  /** Weight 0: chosen only once the broken deployment was tried. */
  FakeOpenAiUpstream good;
  GatewayHarness gw;
  OpenAIClient client;

  @BeforeEach
  void start() throws Exception {
    broken = FakeOpenAiUpstream.start();
    good = FakeOpenAiUpstream.start();
    gw = GatewayHarness.start("""
        router:
          max_attempts: 2
          backoff_initial_ms: 10
          backoff_max_ms: 20
          cooldown_failures: 1
          cooldown_seconds: 60
        models:
          gpt-test:
            strategy: weighted
            deployments:
              - { name: broken, type: openai_compatible, base_url: %s, weight: 1 }
              - { name: good, type: openai_compatible, base_url: %s, weight: 0 }
        """.formatted(broken.baseUrl(), good.baseUrl()));
    client = gw.openAi();
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    broken.close();
    good.close();
  }

  @Test
  void nonJsonBodyWith200IsAFailureOfTheDeploymentAndTheNextOneAnswers() {
    broken.otherwise(status(200, "<html><body>Service temporarily unavailable</body></html>", Map.of()));

    HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(HELLO);

    assertThat(raw.parse().choices().get(0).message().content()).contains("Hello from the fake.");
    assertThat(raw.headers().values("x-portcullis-deployment")).containsExactly("good");
    assertThat(raw.headers().values("x-portcullis-attempts")).containsExactly("2");

    // The failure counted towards cooldown: the next request does not try the broken one again.
    client.chat().completions().create(HELLO);
    assertThat(broken.attempts()).isEqualTo(1);
    assertThat(good.attempts()).isEqualTo(2);
  }

  @Test
  void invalidAnswersFromEveryDeploymentGiveA502InOpenAiShapeWithAStableCode() throws Exception {
    broken.otherwise(status(200, "not json at all", Map.of()));
    good.otherwise(status(200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\"}", Map.of()));

    HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).contains("json"));
    JsonNode err = JSON.readTree(r.body()).get("error");
    assertThat(err.get("type").asText()).isEqualTo("upstream_error");
    assertThat(err.get("code").asText()).isEqualTo("upstream_invalid_response");
    String requestId = r.headers().firstValue("x-request-id").orElseThrow();
    assertThat(err.get("message").asText()).contains("'good'").contains("2 attempts").contains(requestId)
        .doesNotContain("chatcmpl-1").doesNotContain("127.0.0.1");
  }

  @Test
  void jsonOfTheWrongShapeOrCutShortIsInvalid() throws Exception {
    List<String> bodies = List.of("[]", "\"str\"", "null", "", "{\"choices\":[{\"index\":0",
        "{\"choices\":[]} trailing", "{\"object\":\"chat.completion\"}", "{\"choices\":{}}",
        "{\"error\":{\"message\":\"model crashed\",\"type\":\"server_error\"}}",
        // a duplicate key is read differently by different parsers: the guard would check one value
        // while the client's SDK reads the other
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"a\",\"content\":\"b\"}}]}",
        "{\"choices\":[],\"choices\":[]}",
        // the usage is read without a tree of the rest: as strictly
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"prompt_tokens\":2,\"completion_tokens\":1}}",
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1},\"usage\":null}",
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}} {}",
        "{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}",
        "{\"choices\":[{\"message\":{\"content\":\"a\"},\"message\":{}}],\"usage\":{\"prompt_tokens\":1}}");
    restart("""
        router: { max_attempts: 1, cooldown_failures: 1000 }
        models:
          gpt-test:
            deployments:
              - { name: broken, type: openai_compatible, base_url: %s }
        """.formatted(broken.baseUrl()));
    List<String> seen = new ArrayList<>();
    for (String body : bodies) {
      broken.enqueue(status(200, body, Map.of()));
      HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);
      seen.add(r.statusCode() + " " + JSON.readTree(r.body()).path("error").path("code").asText());
    }
    assertThat(seen).as("one per body: %s", bodies).containsOnly("502 upstream_invalid_response")
        .hasSize(bodies.size());
  }

  @Test
  void embeddingsWithoutTheirDataArrayAreInvalid() {
    broken.otherwise(status(200, "{\"object\":\"list\",\"data\":\"none\"}", Map.of()));

    var result = client.embeddings().create(EmbeddingCreateParams.builder().model("gpt-test").input("hi").build());

    assertThat(result.data()).hasSize(1);
    assertThat(broken.attempts()).isEqualTo(1);
    assertThat(good.attempts()).isEqualTo(1);
  }

  @Test
  void redirectIsNotRelayedButFailsOverToTheNextDeployment() throws Exception {
    broken.otherwise(status(302, "", Map.of("Location", "http://elsewhere.example/v1/chat/completions")));

    HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(HELLO);

    assertThat(raw.parse().choices().get(0).message().content()).contains("Hello from the fake.");
    assertThat(raw.headers().values("x-portcullis-deployment")).containsExactly("good");

    good.otherwise(status(301, "", Map.of("Location", "http://elsewhere.example/")));
    HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.headers().firstValue("location")).isEmpty();
    JsonNode err = JSON.readTree(r.body()).get("error");
    assertThat(err.get("code").asText()).isEqualTo("upstream_invalid_response");
    assertThat(err.get("message").asText()).doesNotContain("elsewhere.example");
  }

  @Test
  void compressedBodiesTheGatewayDidNotAskForAreInvalid() throws Exception {
    // gzip with its header (never asked for), then gzip bytes labelled as plain JSON.
    Buffer gz = Buffer.buffer(gzip(FakeOpenAiUpstream.errorBody("x", "y", "z")));
    broken.enqueue(status(200, "application/json", Buffer.buffer("{\"choices\":[]}"),
        Map.of("Content-Encoding", "gzip")));
    good.enqueue(status(200, "application/json", gz, Map.of()));

    HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(JSON.readTree(r.body()).path("error").path("code").asText()).isEqualTo("upstream_invalid_response");
    assertThat(broken.attempts() + good.attempts()).isEqualTo(2);
  }

  @Test
  void htmlClientErrorReachesTheClientAsOpenAiJson() throws Exception {
    broken.otherwise(status(404, "text/html", Buffer.buffer("<html><h1>404 Not Found</h1>nginx/1.25 at"
        + " internal-lb.corp</html>"), Map.of()));

    HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);

    assertThat(r.statusCode()).isEqualTo(404);
    JsonNode err = JSON.readTree(r.body()).get("error");
    assertThat(err.get("message").asText()).contains("404").doesNotContain("internal-lb.corp")
        .doesNotContain("<html>");
  }

  @Test
  void nonJsonStreamEventEndsTheClientStreamWithAnErrorEventAndNoDone() throws Exception {
    broken.otherwise(streamThen(2, "data: <html>proxy error</html>\n\n" + "data: [DONE]\n\n"));

    HttpResponse<String> r = gw.post("/v1/chat/completions", STREAM_JSON);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("w0 ").contains("w1 ").doesNotContain("[DONE]").doesNotContain("proxy error");
    List<String> data = dataLines(r.body());
    JsonNode last = JSON.readTree(data.get(data.size() - 1));
    assertThat(last.path("error").path("code").asText()).isEqualTo("upstream_invalid_response");
    assertThat(last.path("error").path("message").asText()).contains(r.headers().firstValue("x-request-id")
        .orElseThrow());
    assertThat(good.attempts()).as("a stream that reached the client is not retried").isZero();
  }

  @Test
  void nonJsonStreamEventSeenThroughTheSdkIsAnError() {
    broken.otherwise(streamThen(1, "data: {not json\n\n"));
    List<String> seen = new ArrayList<>();

    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(HELLO)) {
        assertThatThrownBy(() -> s.stream().flatMap(c -> c.choices().stream())
            .forEach(c -> seen.add(c.delta().content().orElse(""))))
            .isInstanceOf(RuntimeException.class);
      }
    });
    assertThat(seen).containsExactly("w0 ");
  }

  @Test
  void brokenFirstStreamEventIsRetriedOnTheNextDeploymentTransparently() {
    broken.otherwise(streamThen(0, "data: [1,2,3]\n\n"));
    good.otherwise(stream(3));

    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(HELLO)) {
      StringBuilder text = new StringBuilder();
      s.stream().flatMap(c -> c.choices().stream()).forEach(c -> text.append(c.delta().content().orElse("")));
      assertThat(text.toString()).isEqualTo("w0 w1 w2 ");
    }
    assertThat(broken.attempts()).isEqualTo(1);
  }

  @Test
  void streamEndingInsideAnEventEndsWithAnErrorEventNotTheHalfEvent() throws Exception {
    String half = "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"con";
    broken.otherwise(streamThen(2, half));

    HttpResponse<String> r = gw.post("/v1/chat/completions", STREAM_JSON);

    assertThat(r.body()).doesNotContain("{\"con\n").doesNotContain("[DONE]");
    List<String> data = dataLines(r.body());
    for (String d : data) {
      JSON.readTree(d); // every event the client got is whole JSON
    }
    JsonNode last = JSON.readTree(data.get(data.size() - 1));
    assertThat(last.path("error").path("code").asText()).isEqualTo("stream_incomplete");
  }

  @Test
  void streamAnsweredWithJsonInsteadOfEventsFailsOver() {
    broken.otherwise(status(200, FakeOpenAiUpstream.errorBody("overloaded", "server_error", null), Map.of()));
    good.otherwise(stream(2));

    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(HELLO)) {
      StringBuilder text = new StringBuilder();
      s.stream().flatMap(c -> c.choices().stream()).forEach(c -> text.append(c.delta().content().orElse("")));
      assertThat(text.toString()).isEqualTo("w0 w1 ");
    }
    assertThat(broken.attempts()).isEqualTo(1);
  }

  @Test
  void eventStreamThatIsNotEventsFailsOverAndNothingOfItReachesTheClient() throws Exception {
    broken.otherwise(status(200, "text/event-stream", Buffer.buffer("{\"error\":{\"message\":\"quota\"}}"),
        Map.of()));
    good.otherwise(stream(2));

    HttpResponse<String> r = gw.post("/v1/chat/completions", STREAM_JSON);

    assertThat(r.body()).doesNotContain("quota").contains("w0 ").contains("w1 ").contains("[DONE]");
    assertThat(r.headers().firstValue("x-portcullis-deployment")).hasValue("good");
  }

  @Test
  void errorEventInsideTheStreamEndsItWithTheSurfacesErrorAndNoDone() throws Exception {
    broken.otherwise(streamThen(1, "data: {\"error\":{\"message\":\"The model crashed\",\"type\":\"server_error\","
        + "\"code\":null}}\n\ndata: [DONE]\n\n"));

    HttpResponse<String> r = gw.post("/v1/chat/completions", STREAM_JSON);

    assertThat(r.body()).contains("w0 ").doesNotContain("[DONE]");
    List<String> data = dataLines(r.body());
    assertThat(data).filteredOn(d -> d.contains("\"error\"")).hasSize(1);
    JsonNode last = JSON.readTree(data.get(data.size() - 1));
    assertThat(last.path("error").path("message").asText()).contains("The model crashed");
  }

  @Test
  void enormousSingleStreamEventIsCut() throws Exception {
    // One event larger than the splitter's limit, never finished: the gateway must not buffer it all.
    String huge = "data: {\"x\":\"" + "a".repeat(SseEventSplitter.MAX_EVENT_BYTES + 1024);
    broken.otherwise(streamThen(1, huge));

    HttpResponse<String> r = gw.post("/v1/chat/completions", STREAM_JSON);

    assertThat(r.body().length()).isLessThan(64 * 1024);
    List<String> data = dataLines(r.body());
    JsonNode last = JSON.readTree(data.get(data.size() - 1));
    assertThat(last.path("error").path("code").asText()).isEqualTo("upstream_invalid_response");
  }

  @Test
  void unreachableDeploymentIsNamedWithoutItsAddress() throws Exception {
    restart("""
        router: { max_attempts: 1 }
        models:
          gpt-test:
            deployments:
              - { name: gone, type: openai_compatible, base_url: "http://127.0.0.1:1/v1" }
        """);

    HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);

    assertThat(r.statusCode()).isEqualTo(502);
    String message = JSON.readTree(r.body()).path("error").path("message").asText();
    assertThat(message).contains("'gone'").contains(r.headers().firstValue("x-request-id").orElseThrow())
        .doesNotContain("127.0.0.1").doesNotContainIgnoringCase("refused");
  }

  /** Replaces the gateway with one of another configuration (for tests that need no failover). */
  private void restart(String yaml) throws Exception {
    gw.close();
    gw = GatewayHarness.start(yaml);
  }

  private static List<String> dataLines(String sse) {
    List<String> out = new ArrayList<>();
    for (String line : sse.split("\n")) {
      if (line.startsWith("data: ")) {
        out.add(line.substring(6));
      }
    }
    return out;
  }

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }
}
