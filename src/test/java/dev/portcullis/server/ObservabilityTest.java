package dev.portcullis.server;

import static dev.portcullis.testing.FakeOpenAiUpstream.error;
import static dev.portcullis.testing.FakeOpenAiUpstream.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Health, readiness, Prometheus metrics after real traffic, and request ids on every response. */
class ObservabilityTest {
  static final String CHAT = "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
  static FakeOpenAiUpstream fake;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    gw = GatewayHarness.start("""
        router: { max_attempts: 3, backoff_initial_ms: 10, backoff_max_ms: 20, cooldown_failures: 1000 }
        models:
          gpt-test:
            deployments:
              - name: flaky
                type: openai_compatible
                base_url: %s
          always-down:
            deployments:
              - name: down
                type: openai_compatible
                base_url: %s
          demo:
            deployments:
              - name: demo-1
                type: demo
          ids:
            deployments:
              - name: ids-demo
                type: demo
        """.formatted(fake.baseUrl(), fake.baseUrl().replace("/v1", "/down/v1")));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    fake.close();
  }

  @Test
  void healthAndReadiness() throws Exception {
    HttpResponse<String> health = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/healthz")).build());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"ok\"");
    HttpResponse<String> ready = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/readyz")).build());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"ready\"");
  }

  @Test
  void metricsAfterTraffic() throws Exception {
    fake.enqueue(error(500, "server_error", null, "boom"), ok(), ok());
    assertThat(gw.post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200); // 1 retry
    assertThat(gw.post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
    try (StreamResponse<ChatCompletionChunk> s = gw.openAi().chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("demo").addUserMessage("stream").build())) {
      assertThat(s.stream().count()).isPositive();
    }
    fake.enqueue(error(503, "server_error", null, "down"), error(503, "server_error", null, "down"),
        error(503, "server_error", null, "down"));
    assertThat(gw.post("/v1/chat/completions", CHAT.replace("gpt-test", "always-down")).statusCode()).isEqualTo(502);

    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/metrics")).build());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
    List<String> lines = Arrays.asList(r.body().split("\n"));

    String flaky = "deployment=\"flaky\"";
    String gptTest = "model=\"gpt-test\"";
    String compat = "provider=\"openai_compatible\"";
    assertThat(value(lines, "portcullis_llm_requests_total{", flaky, gptTest, compat, "status=\"200\""))
        .hasValue(2.0);
    assertThat(value(lines, "portcullis_llm_requests_total{", "deployment=\"demo-1\"", "model=\"demo\"",
        "provider=\"demo\"", "status=\"200\"")).hasValue(1.0);
    assertThat(value(lines, "portcullis_llm_requests_total{", "deployment=\"down\"", "status=\"502\""))
        .hasValue(1.0);
    assertThat(lines).anyMatch(l -> l.startsWith("portcullis_llm_request_duration_seconds_bucket{")
        && l.contains(flaky) && l.contains(gptTest) && l.contains(compat) && l.contains("le=\""));
    assertThat(value(lines, "portcullis_llm_request_duration_seconds_count{", flaky)).hasValue(2.0);
    assertThat(lines).anyMatch(l -> l.startsWith("portcullis_llm_time_to_first_token_seconds_bucket{")
        && l.contains("deployment=\"demo-1\"") && l.contains("le=\""));
    assertThat(value(lines, "portcullis_llm_time_to_first_token_seconds_count{", "deployment=\"demo-1\""))
        .hasValue(1.0);
    assertThat(value(lines, "portcullis_llm_retries_total{", flaky, "reason=\"http_500\"")).hasValue(1.0);
    assertThat(value(lines, "portcullis_llm_upstream_errors_total{", flaky, "reason=\"http_500\"")).hasValue(1.0);
    // Three failed attempts are three upstream errors, but only two retries: nothing followed the third.
    assertThat(value(lines, "portcullis_llm_upstream_errors_total{", "deployment=\"down\"", "reason=\"http_503\""))
        .hasValue(3.0);
    assertThat(value(lines, "portcullis_llm_retries_total{", "deployment=\"down\"", "reason=\"http_503\""))
        .hasValue(2.0);
    // tokens are counted as tokens, not as requests: the fake reports 7 prompt and 4 completion tokens each
    assertThat(value(lines, "portcullis_llm_tokens_total{", flaky, "direction=\"input\"")).hasValue(14.0);
    assertThat(value(lines, "portcullis_llm_tokens_total{", flaky, "direction=\"output\"")).hasValue(8.0);
    // the documented buckets, and no others
    assertThat(lines.stream().filter(l -> l.startsWith("portcullis_llm_request_duration_seconds_bucket{")
        && l.contains(flaky)).map(l -> l.replaceAll(".*le=\"([^\"]+)\".*", "$1")).toList())
        .containsExactly("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0",
            "60.0", "120.0", "300.0", "+Inf");
  }

  /** The value of the one sample line starting with {@code prefix} and containing every label. */
  private static Optional<Double> value(List<String> lines, String prefix, String... labels) {
    List<String> hits = new ArrayList<>();
    for (String l : lines) {
      if (l.startsWith(prefix) && Arrays.stream(labels).allMatch(l::contains)) {
        hits.add(l);
      }
    }
    assertThat(hits).as("samples " + prefix + Arrays.toString(labels)).hasSizeLessThanOrEqualTo(1);
    return hits.stream().findFirst().map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)));
  }

  @Test
  void everyResponseHasARequestId() throws Exception {
    String chat = CHAT.replace("gpt-test", "ids"); // its own model: leaves the other test's counts alone
    List<HttpResponse<String>> responses = new ArrayList<>();
    responses.add(gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/healthz")).build()));
    responses.add(gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/readyz")).build()));
    responses.add(gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/metrics")).build()));
    responses.add(gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/nowhere")).build()));
    responses.add(gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/models")).build())); // 401
    responses.add(gw.get("/v1/models"));
    responses.add(gw.get("/v1/models/demo"));
    responses.add(gw.get("/v1/unknown"));
    responses.add(gw.post("/v1/chat/completions", chat));
    responses.add(gw.post("/v1/chat/completions", chat.replace("{\"model\"", "{\"stream\":true,\"model\"")));
    responses.add(gw.post("/v1/chat/completions", "not json"));
    responses.add(gw.post("/v1/embeddings", "{\"model\":\"ids\",\"input\":\"x\"}"));

    assertThat(responses).extracting(HttpResponse::statusCode).contains(200, 401, 404, 400);
    HashSet<String> ids = new HashSet<>();
    for (HttpResponse<String> r : responses) {
      String id = r.headers().firstValue("x-request-id").orElseThrow(
          () -> new AssertionError("no x-request-id on " + r.uri() + " (" + r.statusCode() + ")"));
      assertThat(id).matches("req_[0-9a-f]{24}");
      ids.add(id);
    }
    assertThat(ids).as("request ids are unique").hasSize(responses.size());
  }
}
