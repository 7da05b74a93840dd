package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request without max_tokens reserves what the budget can pay for, not a fixed 1,024 output
 * tokens: a small budget admits a small request, and a refusal says what was needed and what remains.
 */
class SmallBudgetTest {
  static final String ADMIN = "admin-secret";
  static final ObjectMapper JSON = new ObjectMapper();
  static GatewayHarness gw;
  static AdminClient admin;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("portcullis-small-budget");
    // $2 per million output tokens: 1,024 of them would cost $0.002, twice the budget below.
    gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        store:
          url: jdbc:sqlite:%s/p.db
          flush_ms: 50
        admin:
          key: %s
        pricing:
          models:
            demo: { input: 1, output: 2 }
        """.formatted(dir, ADMIN));
    admin = new AdminClient(gw.baseUrl(), ADMIN);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  static HttpResponse<String> chat(String key) throws Exception {
    return gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
        .header("authorization", "Bearer " + key).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}")).build());
  }

  @Test
  void aTenthOfACentBudgetServesASmallRequestWithoutMaxTokens() throws Exception {
    String key = admin.createKey("{\"name\":\"tiny\",\"budget_usd\":0.001,\"budget_period\":\"monthly\"}");
    HttpResponse<String> r = chat(key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).at("/choices/0/message/content").asText()).contains("ping");
    JsonNode view = admin.ok("GET", "/admin/keys/tiny", null);
    assertThat(view.at("/spend/reserved_usd").asDouble()).isZero();
    assertThat(view.at("/spend/month_usd").asDouble()).isPositive().isLessThan(0.001);
  }

  @Test
  void aBudgetTooSmallForEvenTheFloorIsRefusedSayingWhatWasNeeded() throws Exception {
    String key = admin.createKey("{\"name\":\"crumbs\",\"budget_usd\":0.00001}");
    HttpResponse<String> r = chat(key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("key_budget_exceeded");
    assertThat(error.path("message").asText())
        .contains("Budget exceeded for API key: $0.00001")
        .containsPattern("needs \\$0\\.0000\\d+ reserved for its prompt and up to "
            + Accountant.MIN_COMPLETION_ESTIMATE + " output tokens")
        .contains("$0.00001 remains");
  }
}
