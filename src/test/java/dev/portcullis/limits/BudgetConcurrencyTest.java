package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.testing.GatewayHarness;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * 200 concurrent requests against a budget that allows about 50: reservations keep the spend
 * within the budget (the bound is the budget plus what in-flight reservations under-estimate,
 * which is nothing when max_tokens caps the answer).
 */
class BudgetConcurrencyTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void concurrentRequestsCannotOverspend() throws Exception {
    var dir = Files.createTempDirectory("portcullis-burst");
    try (GatewayHarness gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        store:
          url: jdbc:sqlite:%s/p.db
        admin:
          key: adm
        pricing:
          models:
            demo: { input: 1000, output: 1000 }
        server:
          access_log: false
        """.formatted(dir))) {
      AdminClient admin = new AdminClient(gw.baseUrl(), "adm");
      String body = "{\"model\":\"demo\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"burst\"}]}";

      // what one such request costs: $1000 per million tokens = 1,000,000 nanodollars a token
      String probe = admin.createKey("{\"name\":\"probe\"}");
      ChatCompletion one = gw.openAi(probe).chat().completions().create(ChatCompletionCreateParams.builder()
          .model("demo").addUserMessage("burst").maxTokens(20).build());
      long tokens = one.usage().orElseThrow().totalTokens();
      long cost = tokens * 1_000_000L;
      long budget = 50 * cost;
      String key = admin.createKey("{\"name\":\"burst\",\"budget_usd\":" + BigDecimal.valueOf(budget, 9) + "}");

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10)).build();
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
            .header("authorization", "Bearer " + key).header("content-type", "application/json")
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      int ok = 0;
      int refused = 0;
      for (var c : calls) {
        HttpResponse<String> r = c.get();
        if (r.statusCode() == 200) {
          ok++;
        } else {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
          assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("key_budget_exceeded");
          refused++;
        }
      }
      assertThat(ok + refused).isEqualTo(200);

      JsonNode spend = admin.ok("GET", "/admin/keys/burst", null).get("spend");
      long spent = new BigDecimal(spend.get("total_usd").asText()).movePointRight(9).longValueExact();
      assertThat(spend.get("reserved_usd").decimalValue().signum()).isZero(); // every reservation settled
      assertThat(spent).isEqualTo(ok * cost);
      // the overspend bound: nothing beyond the budget, since each reservation covered its call
      assertThat(spent).isLessThanOrEqualTo(budget);
      assertThat(ok).isLessThanOrEqualTo(50);
      // reservations use max_tokens (20) rather than the real answer, so a few fewer fit
      assertThat(ok).isGreaterThanOrEqualTo(30);

      JsonNode usage = admin.ok("GET", "/admin/usage?group_by=key&key=" + admin.ok("GET", "/admin/keys/burst", null)
          .get("id").asText(), null);
      assertThat(usage.at("/data/0/requests").asLong()).isEqualTo(ok);
    }
  }
}
