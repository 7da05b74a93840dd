package dev.portcullis.llm;

import static dev.portcullis.testing.FakeOpenAiUpstream.error;
import static dev.portcullis.testing.FakeOpenAiUpstream.hang;
import static dev.portcullis.testing.FakeOpenAiUpstream.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Fallback between model groups, cooldown of failing deployments, and load balancing. */
class RoutingBalanceTest {
  static final String HELLO_JSON = "{\"model\":\"primary\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

  FakeOpenAiUpstream a;
  FakeOpenAiUpstream b;
  GatewayHarness gw;

  @BeforeEach
  void startFakes() throws Exception {
    a = FakeOpenAiUpstream.start();
    b = FakeOpenAiUpstream.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    a.close();
    b.close();
  }

  private static String deployment(String name, FakeOpenAiUpstream fake, String extra) {
    return """
              - name: %s
                type: openai_compatible
                base_url: %s
                timeouts: { first_byte_ms: 10000 }
        %s""".formatted(name, fake.baseUrl(), extra);
  }

  @Test
  void exhaustedGroupFallsBackToTheNextGroup() throws Exception {
    gw = GatewayHarness.start("""
        router: { max_attempts: 2, backoff_initial_ms: 10, backoff_max_ms: 20, cooldown_failures: 1000 }
        models:
          primary:
            fallbacks: [backup]
            deployments:
        %s
          backup:
            deployments:
        %s
        """.formatted(deployment("a", a, ""), deployment("b", b, "")));
    a.otherwise(error(503, "server_error", null, "overloaded"));

    HttpResponseFor<ChatCompletion> raw = gw.openAi().chat().completions().withRawResponse()
        .create(ChatCompletionCreateParams.builder().model("primary").addUserMessage("hi").build());

    assertThat(raw.parse().choices().get(0).message().content()).contains("Hello from the fake.");
    assertThat(raw.headers().values("x-portcullis-deployment")).containsExactly("b");
    assertThat(raw.headers().values("x-portcullis-attempts")).containsExactly("3");
    assertThat(a.attempts()).isEqualTo(2);
    assertThat(b.attempts()).isEqualTo(1);
    // The fallback group serves under its own name: the model it is configured for.
    assertThat(b.last().json().get("model").asText()).isEqualTo("backup");
  }

  @Test
  void failingDeploymentCoolsDownAndIsSkippedUntilItRested() throws Exception {
    gw = GatewayHarness.start("""
        router: { max_attempts: 1, backoff_initial_ms: 10, backoff_max_ms: 20, cooldown_failures: 2, cooldown_seconds: 2 }
        models:
          primary:
            fallbacks: [backup]
            deployments:
        %s
          backup:
            deployments:
        %s
        """.formatted(deployment("a", a, ""), deployment("b", b, "")));
    a.otherwise(error(500, "server_error", null, "broken"));

    for (int i = 0; i < 2; i++) { // two failures in a row: a starts to rest
      assertThat(gw.post("/v1/chat/completions", HELLO_JSON).statusCode()).isEqualTo(200);
    }
    assertThat(a.attempts()).isEqualTo(2);
    long coolingSince = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-portcullis-attempts")).hasValue("1"); // a was not even tried
    }
    if (System.nanoTime() - coolingSince < 1_800_000_000L) { // only meaningful while a still rests
      assertThat(a.attempts()).as("no traffic to a cooling deployment").isEqualTo(2);
    }
    assertThat(b.attempts()).isGreaterThanOrEqualTo(10);

    // Once rested, a gets traffic again.
    a.otherwise(ok());
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
      gw.post("/v1/chat/completions", HELLO_JSON);
      return a.attempts() > 2;
    });
  }

  @Test
  void allDeploymentsCoolingGivesA503() throws Exception {
    gw = GatewayHarness.start("""
        router: { max_attempts: 1, cooldown_failures: 1, cooldown_seconds: 60 }
        models:
          primary:
            deployments:
        %s
        """.formatted(deployment("a", a, "")));
    a.otherwise(error(500, "server_error", null, "broken"));

    assertThat(gw.post("/v1/chat/completions", HELLO_JSON).statusCode()).isEqualTo(502);
    HttpResponse<String> r = gw.post("/v1/chat/completions", HELLO_JSON);

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("\"code\":\"no_deployment_available\"").contains("primary");
    assertThat(a.attempts()).isEqualTo(1);
  }

  @Test
  void weightedBalancingFollowsTheWeights() throws Exception {
    gw = GatewayHarness.start("""
        models:
          primary:
            strategy: weighted
            deployments:
        %s
        %s
        """.formatted(deployment("a", a, "        weight: 3"), deployment("b", b, "        weight: 1")));
    int n = 200;
    for (int i = 0; i < n; i++) {
      assertThat(gw.post("/v1/chat/completions", HELLO_JSON).statusCode()).isEqualTo(200);
    }
    assertThat(a.attempts() + b.attempts()).isEqualTo(n);
    // Expected 150 : 50. Bounds far outside random variation (sd ~6) but far from 1:1 too.
    assertThat(a.attempts()).isBetween(120, 180);
  }

  @Test
  void leastBusyPrefersTheIdleDeployment() throws Exception {
    gw = GatewayHarness.start("""
        models:
          primary:
            strategy: least_busy
            deployments:
        %s
        %s
        """.formatted(deployment("a", a, ""), deployment("b", b, "")));
    a.otherwise(hang()); // whatever a gets stays in flight

    // Send requests until one is stuck at a (ties are broken at random).
    HttpClient http = HttpClient.newHttpClient();
    CompletableFuture<?> stuck = null;
    while (a.attempts() == 0) {
      stuck = http.sendAsync(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
          .header("authorization", "Bearer " + GatewayHarness.KEY)
          .POST(HttpRequest.BodyPublishers.ofString(HELLO_JSON)).build(), HttpResponse.BodyHandlers.discarding());
      CompletableFuture<?> current = stuck;
      await().atMost(Duration.ofSeconds(10)).until(() -> current.isDone() || a.attempts() > 0);
    }
    int bBefore = b.attempts();

    for (int i = 0; i < 20; i++) {
      assertThat(gw.post("/v1/chat/completions", HELLO_JSON).statusCode()).isEqualTo(200);
    }

    assertThat(a.attempts()).as("a is busy, b is idle: everything goes to b").isEqualTo(1);
    assertThat(b.attempts() - bBefore).isEqualTo(20);
    stuck.cancel(true);
  }
}
