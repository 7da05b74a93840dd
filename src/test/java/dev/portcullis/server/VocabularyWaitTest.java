package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.testing.GatewayHarness;
import dev.portcullis.testing.LogCapture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The gateway is ready before its token vocabularies are read (reading them was a quarter of
 * start-up): it starts reading them once it listens, and LLM requests that come in meanwhile wait
 * for them without holding up an event loop, then are counted and limited like any other. Here
 * the reading is held back until the test lets it go.
 */
class VocabularyWaitTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CONFIG = """
      models:
        demo: { deployments: [ { type: demo } ] }
      server:
        access_log: false
      personas:
        metered:
          models: [demo]
          keys: [config-key-1]
          limits: { tpm: 150 }
      """;

  /** Runs the reading task only once released. */
  static final class HeldReader implements Executor {
    final AtomicInteger asked = new AtomicInteger();
    final CompletableFuture<Void> released = new CompletableFuture<>();

    @Override
    public void execute(Runnable task) {
      asked.incrementAndGet();
      released.thenRunAsync(task);
    }
  }

  static String chat(String text, int maxTokens) {
    return JSON.createObjectNode().put("model", "demo").put("max_tokens", maxTokens)
        .set("messages", JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user").put("content", text)))
        .toString();
  }

  static CompletableFuture<HttpResponse<String>> postAsync(GatewayHarness gw, String path, String body) {
    return HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json")
        .header("x-portcullis-persona", "metered")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyBeforeTheVocabulariesAndEarlyRequestsWaitThenAreCountedAndLimited() throws Exception {
    HeldReader reader = new HeldReader();
    TokenCounter tokens = new TokenCounter(reader);
    try (GatewayHarness gw = GatewayHarness.start(CONFIG, tokens)) {
      assertThat(gw.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(reader.asked).as("reading started once listening").hasValue(1);
      assertThat(tokens.loaded()).isFalse();

      String small = chat("How many tokens is this?", 100);
      // 100 max_tokens plus a prompt of some 200 tokens: more than the persona's 150 a minute
      String large = chat("word ".repeat(200), 100);
      CompletableFuture<HttpResponse<String>> admitted = postAsync(gw, "/v1/chat/completions", small);
      CompletableFuture<HttpResponse<String>> refused = postAsync(gw, "/v1/chat/completions", large);
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10))
          .until(() -> !admitted.isDone() && !refused.isDone());
      // the event loops are free meanwhile: fresh connections (spread over both loops) are answered
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(gw.baseUrl() + "/readyz")).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
      }
      assertThat(admitted).isNotDone();

      reader.released.complete(null);
      HttpResponse<String> ok = admitted.get(60, TimeUnit.SECONDS);
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      JsonNode usage = JSON.readTree(ok.body()).path("usage");
      assertThat(usage.path("prompt_tokens").asLong())
          .isEqualTo(new TokenCounter().countPrompt("demo", JSON.readTree(small)));
      HttpResponse<String> no = refused.get(60, TimeUnit.SECONDS);
      assertThat(no.statusCode()).as(no.body()).isEqualTo(429);
      assertThat(JSON.readTree(no.body()).at("/error/message").asText()).contains("tokens per min (TPM)");
      assertThat(tokens.loaded()).isTrue();
      assertThat(reader.asked).hasValue(1);
    }
  }

  @Test
  void vocabulariesThatCannotBeReadFailTheRequestInTheSurfacesShapeAndAreReadAgainByTheNext() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    TokenCounter tokens = new TokenCounter(task -> {
      if (asked.incrementAndGet() <= 3) { // the gateway's own ask once listening, then two requests'
        throw new RejectedExecutionException("no thread to read the vocabularies on");
      }
      new Thread(task).start();
    });
    try (GatewayHarness gw = GatewayHarness.start(CONFIG, tokens);
        LogCapture log = LogCapture.of(GatewayVerticle.class)) {
      HttpResponse<String> openai = postAsync(gw, "/v1/chat/completions", chat("hi", 5))
          .get(30, TimeUnit.SECONDS);
      assertThat(openai.statusCode()).isEqualTo(500);
      assertThat(JSON.readTree(openai.body()).at("/error/code").asText()).isEqualTo("internal_error");
      assertThat(openai.body()).doesNotContain("RejectedExecution").doesNotContain("at dev.portcullis");
      HttpResponse<String> anthropic = postAsync(gw, "/v1/messages", chat("hi", 5))
          .get(30, TimeUnit.SECONDS);
      assertThat(anthropic.statusCode()).isEqualTo(500);
      assertThat(JSON.readTree(anthropic.body()).path("type").asText()).isEqualTo("error");
      assertThat(JSON.readTree(anthropic.body()).at("/error/message").asText()).contains("request id req_");
      // the operator learns why, the client does not
      assertThat(log.where("path", "/v1/chat/completions")).extracting(LogCapture.Line::level).contains("ERROR");

      HttpResponse<String> again = postAsync(gw, "/v1/chat/completions", chat("hi", 5))
          .get(30, TimeUnit.SECONDS);
      assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
      assertThat(asked).hasValue(4);
      assertThat(tokens.loaded()).isTrue();
    }
  }
}
