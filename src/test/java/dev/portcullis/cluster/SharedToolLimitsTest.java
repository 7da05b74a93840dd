package dev.portcullis.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.mcp.NodeSupport;
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
 * A tool rule's limit (no store needed) shared by two replicas in one JVM through one
 * redis-server: counted once for both, and with {@code fail: open}, counted by each replica
 * alone (metered) while Redis is away.
 */
@DisabledOnOs(OS.WINDOWS)
class SharedToolLimitsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
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

  private GatewayHarness replica(String fail) throws Exception {
    return GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
        mcp:
          servers:
            demo: { type: builtin }
        limits:
          tools:
            - { match: "demo__echo", rpm: 2 }
        cluster:
          redis: { url: "redis://127.0.0.1:%d", reconnect_ms: 100 }
          fail: %s
        """.formatted(redisPort, fail));
  }

  /** A 2026-07-28 stateless tools/call of demo__echo; the JSON-RPC answer. */
  private static JsonNode echo(GatewayHarness gw) throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"demo__echo\","
        + "\"arguments\":{\"text\":\"shared\"},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
        + "\"2026-07-28\",\"io.modelcontextprotocol/clientInfo\":{\"name\":\"t\",\"version\":\"1\"},"
        + "\"io.modelcontextprotocol/clientCapabilities\":{}}}}";
    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream").header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call").header("mcp-name", "demo__echo").timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    String text = r.body();
    int data = text.lastIndexOf("data:");
    return JSON.readTree(data >= 0 ? text.substring(data + 5).strip() : text);
  }

  @Test
  void aToolRuleIsCountedOnceForBothReplicas() throws Exception {
    try (GatewayHarness a = replica("closed"); GatewayHarness b = replica("closed")) {
      assertThat(echo(a).at("/result/content/0/text").asText()).contains("shared");
      assertThat(echo(b).at("/result/content/0/text").asText()).contains("shared");
      JsonNode refused = echo(a);
      assertThat(refused.at("/error/data/limit").asText()).as(refused.toString()).isEqualTo("rpm");
      assertThat(refused.at("/error/data/scope").asText()).isEqualTo("tool");
      assertThat(refused.at("/error/message").asText()).contains("tool rule 'demo__echo'").contains("Limit 2");
      assertThat(echo(b).at("/error/data/limit").asText()).isEqualTo("rpm");
    }
  }

  @Test
  void withFailOpenEachReplicaCountsAloneWhileRedisIsAwayAndSaysSo() throws Exception {
    try (GatewayHarness a = replica("open")) {
      assertThat(echo(a).at("/result/content/0/text").asText()).contains("shared");
      redis.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> a.get("/metrics").body()
          .contains("portcullis_cluster_redis_up 0.0"));
      // the shared counter held one call; this replica's own limiter starts with none
      assertThat(echo(a).at("/result/content/0/text").asText()).contains("shared");
      assertThat(echo(a).at("/result/content/0/text").asText()).contains("shared");
      assertThat(echo(a).at("/error/data/limit").asText()).isEqualTo("rpm");
      assertThat(a.get("/metrics").body())
          .containsPattern("portcullis_cluster_degraded_requests_total\\{surface=\"limits\"} [1-9]");
    }
  }

  @Test
  void withFailClosedAToolCallIsRefusedWhileRedisIsAway() throws Exception {
    try (GatewayHarness a = replica("closed")) {
      redis.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> a.get("/metrics").body()
          .contains("portcullis_cluster_redis_up 0.0"));
      JsonNode refused = echo(a);
      assertThat(refused.at("/error/code").asInt()).as(refused.toString()).isEqualTo(-32040);
    }
  }
}
