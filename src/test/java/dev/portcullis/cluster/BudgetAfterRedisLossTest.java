package dev.portcullis.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.store.PostgresServer;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Budget counters after Redis lost its data (a restart without persistence, a FLUSHALL): two
 * replicas on one PostgreSQL store and one redis-server. A key spends its budget through one
 * replica; Redis forgets everything; the other replica, which never saw that spend itself,
 * rebuilds the counter from the spend the store recorded and refuses the key.
 */
@DisabledOnOs(OS.WINDOWS)
class BudgetAfterRedisLossTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN = "budget-loss-admin";
  private static final String CHAT = "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
      + "\"content\":\"spend a little\"}]}";
  int redisPort;
  ExternalProcess redis;

  @BeforeEach
  void startRedis() throws Exception {
    String bin = ExternalProcess.require("redis-server", "redis-server");
    redisPort = NodeSupport.freePort();
    redis = ExternalProcess.start("redis-server", new ProcessBuilder(bin, "--port", String.valueOf(redisPort),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")).awaitPort(redisPort);
  }

  @AfterEach
  void stopRedis() throws Exception {
    redis.close();
  }

  private static HttpResponse<String> send(GatewayHarness gw, String method, String path, String bearer, String body)
      throws Exception {
    return gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path)).timeout(Duration.ofSeconds(20))
        .header("authorization", "Bearer " + bearer).header("content-type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build());
  }

  private void flushAll() throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", redisPort)) {
      s.getOutputStream().write("FLUSHALL\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      byte[] answer = new byte[5];
      assertThat(s.getInputStream().readNBytes(answer, 0, 5)).isEqualTo(5);
      assertThat(new String(answer, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
    }
  }

  @Test
  void afterRedisForgetsTheCountersABudgetRestartsFromTheRecordedSpend() throws Exception {
    String yaml = """
        models:
          demo: { deployments: [ { type: demo } ] }
        pricing:
          models:
            demo: { input: 1, output: 2 }
        store:
          url: "%s"
          key_refresh_ms: 600000
        admin: { key: %s }
        audit: { enabled: false }
        cluster:
          redis: { url: "redis://127.0.0.1:%d", reconnect_ms: 100 }
        """.formatted(PostgresServer.get().newDatabase(), ADMIN, redisPort);
    try (GatewayHarness a = GatewayHarness.start(yaml); GatewayHarness b = GatewayHarness.start(yaml)) {
      JsonNode created = JSON.readTree(send(a, "POST", "/admin/keys", ADMIN,
          "{\"name\":\"loses-redis\",\"budget_usd\":0.0002,\"budget_period\":\"daily\"}").body());
      String key = created.path("key").asText();
      await().atMost(Duration.ofSeconds(5)).until(() -> send(b, "GET", "/v1/models", key, null).statusCode() == 200);

      int served = 0;
      HttpResponse<String> last = null;
      for (int i = 0; i < 200; i++) {
        last = send(b, "POST", "/v1/chat/completions", key, CHAT);
        if (last.statusCode() != 200) {
          break;
        }
        served++;
      }
      assertThat(served).isPositive();
      assertThat(last.statusCode()).as(last.body()).isEqualTo(403);
      b.gateway().flushUsage(); // the spend is recorded in the store (the durable truth)

      flushAll();
      HttpResponse<String> afterLoss = send(a, "POST", "/v1/chat/completions", key, CHAT);
      assertThat(afterLoss.statusCode()).as("replica A never saw B's spend; after the loss: " + afterLoss.body())
          .isEqualTo(403);
      assertThat(JSON.readTree(afterLoss.body()).at("/error/code").asText()).isEqualTo("key_budget_exceeded");

      // a key that spent nothing still has its whole budget after the loss
      String fresh = JSON.readTree(send(a, "POST", "/admin/keys", ADMIN,
          "{\"name\":\"still-has-budget\",\"budget_usd\":0.0002,\"budget_period\":\"daily\"}").body())
          .path("key").asText();
      assertThat(send(a, "POST", "/v1/chat/completions", fresh, CHAT).statusCode()).isEqualTo(200);
    }
  }
}
