package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.testing.GatewayHarness;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Persona limits and budgets on the LLM routes, through the official OpenAI Java SDK: enforced
 * alongside key limits, shared by every caller acting through the persona, refused in OpenAI's
 * shape with x-ratelimit-* and Retry-After headers; persona budgets reserve before the call and
 * settle after, and persona spend survives a restart. The model list shows only the persona's models.
 */
class PersonaLimitsSdkTest {
  static final String ADMIN = "persona-admin";
  static final ObjectMapper JSON = new ObjectMapper();

  static String config(Path dir, String personas) {
    return """
        models:
          demo: { deployments: [ { type: demo } ] }
          other: { deployments: [ { type: demo } ] }
        clients:
          keys: [test-key, second-key]
        store:
          url: jdbc:sqlite:%s/p.db
          flush_ms: 50
        admin:
          key: %s
        pricing:
          models:
            demo: { input: 1000, output: 1000 }
        server:
          access_log: false
        personas:
        %s
        """.formatted(dir, ADMIN, personas.indent(2));
  }

  static OpenAIClient as(GatewayHarness gw, String key, String persona) {
    return gw.openAi(key).withOptions(b -> b.putHeader("x-portcullis-persona", persona));
  }

  static ChatCompletionCreateParams ask(String text, long maxTokens) {
    return ChatCompletionCreateParams.builder().model("demo").addUserMessage(text).maxTokens(maxTokens).build();
  }

  @Test
  void personaLimitsAreSharedByItsCallersAndRefusedWithHeaders() throws Exception {
    Path dir = Files.createTempDirectory("persona-limits");
    try (GatewayHarness gw = GatewayHarness.start(config(dir, """
        rpm2:
          models: [demo]
          keys: [config-key-1, config-key-2]
          limits: { rpm: 2 }
        tpm:
          models: [demo]
          keys: [config-key-1]
          limits: { tpm: 150 }
        listing:
          models: ["de*"]
          keys: [config-key-1]
        """))) {
      // RPM: two keys through one persona share its two requests a minute
      var raw = as(gw, "test-key", "rpm2").chat().completions().withRawResponse().create(ask("1", 5));
      assertThat(raw.headers().values("x-ratelimit-limit-requests")).containsExactly("2");
      assertThat(raw.headers().values("x-ratelimit-remaining-requests")).containsExactly("1");
      as(gw, "second-key", "rpm2").chat().completions().create(ask("2", 5));
      assertThatThrownBy(() -> as(gw, "test-key", "rpm2").chat().completions().create(ask("3", 5)))
          .isInstanceOfSatisfying(RateLimitException.class, e -> {
            assertThat(e.code()).contains("rate_limit_exceeded");
            assertThat(e.type()).contains("requests");
            assertThat(e.getMessage()).contains("persona 'rpm2'").contains("requests per min (RPM)");
            assertThat(e.headers().values("x-ratelimit-limit-requests")).containsExactly("2");
            assertThat(e.headers().values("x-ratelimit-remaining-requests")).containsExactly("0");
            assertThat(Long.parseLong(e.headers().values("retry-after").get(0))).isBetween(1L, 60L);
          });
      // the same refusal in Anthropic's shape on /v1/messages
      HttpResponse<String> a = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/messages"))
          .header("content-type", "application/json").header("x-api-key", "second-key")
          .header("x-portcullis-persona", "rpm2")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"max_tokens\":5,"
              + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build());
      assertThat(a.statusCode()).isEqualTo(429);
      assertThat(JSON.readTree(a.body()).path("type").asText()).isEqualTo("error");
      assertThat(JSON.readTree(a.body()).at("/error/message").asText()).contains("persona 'rpm2'");
      assertThat(a.headers().firstValue("retry-after")).isPresent();
      // the same key without the persona is not limited by it
      gw.openAi("test-key").chat().completions().create(ask("no persona", 5));

      // TPM: reserved (prompt + max_tokens) and settled with the real usage
      OpenAIClient t = as(gw, "test-key", "tpm");
      int served = 0;
      RateLimitException refused = null;
      for (int i = 0; i < 10 && refused == null; i++) {
        try {
          t.chat().completions().create(ask("tokens " + i, 100));
          served++;
        } catch (RateLimitException e) {
          refused = e;
        }
      }
      assertThat(served).isBetween(2, 4);
      assertThat(refused).isNotNull();
      assertThat(refused.type()).contains("tokens");
      assertThat(refused.getMessage()).contains("persona 'tpm'").contains("tokens per min (TPM)");
      assertThat(refused.headers().values("x-ratelimit-limit-tokens")).containsExactly("150");
      assertThat(refused.headers().values("retry-after")).hasSize(1);

      // models: only the persona's grants are listed and retrievable
      assertThat(gw.openAi("test-key").models().list().data()).extracting(m -> m.id())
          .containsExactlyInAnyOrder("demo", "other");
      assertThat(as(gw, "test-key", "listing").models().list().data()).extracting(m -> m.id())
          .containsExactly("demo");
      assertThat(as(gw, "test-key", "listing").models().retrieve("demo").id()).isEqualTo("demo");
      assertThatThrownBy(() -> as(gw, "test-key", "listing").models().retrieve("other"))
          .isInstanceOf(NotFoundException.class);
      // a virtual key's models and the persona's: the intersection
      AdminClient admin = new AdminClient(gw.baseUrl(), ADMIN);
      String vk = admin.createKey("{\"name\":\"other-only\",\"models\":[\"other\"]}");
      assertThat(gw.openAi(vk).models().list().data()).extracting(m -> m.id()).containsExactly("other");
    }
  }

  @Test
  void personaBudgetIsRefusedAndItsSpendSurvivesARestart() throws Exception {
    Path dir = Files.createTempDirectory("persona-budget");
    String personas = """
        frugal:
          models: [demo]
          keys: [config-key-1, config-key-2]
          limits: { budget_usd: 0.1, period: monthly }
        """;
    int served = 0;
    try (GatewayHarness gw = GatewayHarness.start(config(dir, personas))) {
      PermissionDeniedException refused = null;
      for (int i = 0; i < 20 && refused == null; i++) {
        try {
          as(gw, i % 2 == 0 ? "test-key" : "second-key", "frugal").chat().completions().create(ask("spend " + i, 20));
          served++;
        } catch (PermissionDeniedException e) {
          refused = e;
        }
      }
      assertThat(refused).isNotNull();
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.code()).contains("persona_budget_exceeded");
      assertThat(refused.type()).contains("insufficient_quota");
      assertThat(refused.getMessage()).contains("persona 'frugal'").contains("$0.1 per month");
      assertThat(refused.headers().values("retry-after")).hasSize(1);
      assertThat(served).isBetween(2, 5); // each call costs about $0.023 at $1000 per million tokens
      // the keys themselves have no budget
      gw.openAi("test-key").chat().completions().create(ask("own money", 20));
    }
    try (GatewayHarness gw = GatewayHarness.start(config(dir, personas))) {
      assertThatThrownBy(() -> as(gw, "test-key", "frugal").chat().completions().create(ask("after restart", 20)))
          .isInstanceOfSatisfying(PermissionDeniedException.class,
              e -> assertThat(e.code()).contains("persona_budget_exceeded"));
      JsonNode usage = new AdminClient(gw.baseUrl(), ADMIN).ok("GET", "/admin/usage?group_by=persona&persona=frugal",
          null);
      assertThat(usage.at("/data/0/requests").asLong()).isEqualTo(served);
      assertThat(usage.at("/data/0/cost_usd").decimalValue()).isPositive().isLessThanOrEqualTo(new BigDecimal("0.1"));
    }
  }

  @Test
  void concurrentRequestsCannotOverspendAPersonaBudget() throws Exception {
    Path dir = Files.createTempDirectory("persona-burst");
    // a request here is ~8 prompt + <=20 completion tokens, under $0.03: $0.75 allows ~25-27
    try (GatewayHarness gw = GatewayHarness.start(config(dir, """
        burst:
          models: [demo]
          keys: [config-key-1]
          limits: { budget_usd: 0.75 }
        """))) {
      String body = "{\"model\":\"demo\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"burst\"}]}";
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10)).build();
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
            .header("authorization", "Bearer test-key").header("x-portcullis-persona", "burst")
            .header("content-type", "application/json").timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      int ok = 0;
      for (var c : calls) {
        HttpResponse<String> r = c.get();
        if (r.statusCode() == 200) {
          ok++;
        } else {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
          assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("persona_budget_exceeded");
        }
      }
      JsonNode usage = new AdminClient(gw.baseUrl(), ADMIN).ok("GET", "/admin/usage?group_by=persona", null);
      assertThat(usage.at("/data/0/persona").asText()).isEqualTo("burst");
      assertThat(usage.at("/data/0/requests").asLong()).isEqualTo(ok);
      BigDecimal spent = usage.at("/data/0/cost_usd").decimalValue();
      assertThat(spent).isLessThanOrEqualTo(new BigDecimal("0.75"));
      // the budget binds: about 27 calls fit at ~$0.028 each (reservations use max_tokens, so a few fewer)
      assertThat(ok).isBetween(15, 30);
    }
  }
}
