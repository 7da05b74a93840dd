package dev.portcullis.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.testing.GatewayHarness;
import dev.portcullis.testing.LogCapture;
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
 * Two replicas in one JVM on one redis-server (the three-JVM deployment is {@link ClusterTest}):
 * a session's end is seen by every replica, and {@code fail: open} serves on local state with a
 * warning and a metric while Redis is away, then recovers by itself.
 */
@DisabledOnOs(OS.WINDOWS)
class ClusterReplicasTest {
  private static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
      + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
  private static final String LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

  String redisServer;
  int redisPort;
  ExternalProcess redis;

  @BeforeEach
  void startRedis() throws Exception {
    redisServer = ExternalProcess.require("redis-server", "redis-server");
    redisPort = NodeSupport.freePort();
    redis = redis();
  }

  private ExternalProcess redis() throws Exception {
    return ExternalProcess.start("redis-server", new ProcessBuilder(redisServer, "--port", String.valueOf(redisPort),
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
        cluster:
          redis: { url: "redis://127.0.0.1:%d", reconnect_ms: 100 }
          fail: %s
        """.formatted(redisPort, fail));
  }

  private static HttpResponse<String> mcp(GatewayHarness gw, String method, String session, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream").timeout(Duration.ofSeconds(10));
    if (session != null) {
      b.header("mcp-session-id", session);
    }
    return gw.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body)).build());
  }

  @Test
  void aSessionCreatedOnOneReplicaIsServedByTheOtherAndItsEndIsSeenByBoth() throws Exception {
    try (GatewayHarness a = replica("closed"); GatewayHarness b = replica("closed")) {
      HttpResponse<String> init = mcp(a, "POST", null, INIT);
      assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
      String session = init.headers().firstValue("mcp-session-id").orElseThrow();
      HttpResponse<String> onB = mcp(b, "POST", session, LIST);
      assertThat(onB.statusCode()).as(onB.body()).isEqualTo(200);
      assertThat(onB.body()).contains("demo__echo");

      assertThat(mcp(b, "DELETE", session, null).statusCode()).isEqualTo(200);
      for (GatewayHarness gw : new GatewayHarness[] {a, b}) {
        HttpResponse<String> after = mcp(gw, "POST", session, LIST);
        assertThat(after.statusCode()).as(after.body()).isEqualTo(404);
        assertThat(after.body()).contains("Session not found");
      }
    }
  }

  @Test
  void failOpenServesOnLocalStateWithAWarningWhileRedisIsAwayAndRecovers() throws Exception {
    try (GatewayHarness gw = replica("open"); LogCapture log = LogCapture.of(RedisCluster.class)) {
      HttpResponse<String> init = mcp(gw, "POST", null, INIT);
      String session = init.headers().firstValue("mcp-session-id").orElseThrow();
      assertThat(gw.get("/metrics").body()).contains("portcullis_cluster_redis_up 1.0");

      redis.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/metrics").body()
          .contains("portcullis_cluster_redis_up 0.0"));
      assertThat(gw.get("/readyz").statusCode()).as("fail: open stays ready").isEqualTo(200);
      HttpResponse<String> chat = gw.post("/v1/chat/completions",
          "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      HttpResponse<String> list = mcp(gw, "POST", session, LIST);
      assertThat(list.statusCode()).as("the session this replica holds: " + list.body()).isEqualTo(200);
      assertThat(gw.get("/metrics").body())
          .containsPattern("portcullis_cluster_degraded_requests_total\\{surface=\"openai\"} [1-9]")
          .containsPattern("portcullis_cluster_degraded_requests_total\\{surface=\"mcp\"} [1-9]");
      assertThat(log.lines()).anyMatch(l -> l.level().equals("WARN") && l.msg().contains("fail: open"));

      redis = redis();
      await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/metrics").body()
          .contains("portcullis_cluster_redis_up 1.0"));
      assertThat(log.lines()).anyMatch(l -> l.msg().startsWith("Redis reachable"));
    }
  }
}
