package dev.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Money: what each call cost by key, team and model, and what is left of each budget, on /metrics. */
class SpendMetricsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void spendAndRemainingBudgetAfterCalls() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
        pricing:
          models: { demo: { input: 1000.0, output: 2000.0 } }
        clients:
          keys: [test-key]
        personas:
          writers:
            models: [demo]
            keys: [config-key-1]
            limits: { budget_usd: 10, period: monthly }
        """)) {
      double expected = 0;
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
            .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json")
            .header("x-portcullis-persona", "writers")
            .POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hello " + i + "\"}]}")).build());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode usage = JSON.readTree(r.body()).path("usage");
        expected += (usage.path("prompt_tokens").asLong() * 1000.0 + usage.path("completion_tokens").asLong() * 2000.0)
            / 1e6;
      }
      assertThat(expected).isPositive();
      String metrics = gw.get("/metrics").body();
      assertThat(sample(metrics, "portcullis_spend_usd_total{key=\"config-key-1\",model=\"demo\",team=\"none\"}"))
          .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(sample(metrics, "portcullis_budget_remaining_usd{id=\"writers\",scope=\"persona\"}"))
          .isCloseTo(10 - expected, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(metrics).doesNotContain(GatewayHarness.KEY + "\"");
    }
  }

  private static double sample(String metrics, String series) {
    return Arrays.stream(metrics.split("\n")).filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(series.length() + 1)))
        .orElseThrow(() -> new AssertionError("no " + series + " in\n" + metrics));
  }
}
