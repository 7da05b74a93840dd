package dev.portcullis.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.store.PostgresServer;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one replica asked a client is answered through any replica: two replicas in one JVM on
 * one redis-server. A 2026-07-28 client's {@code input_required} round for a legacy upstream's
 * elicitation (the upstream call held open on the replica that asked) is answered through the
 * other replica; approvals an administrator decides (kept in the shared store) are decided
 * through one replica and used through the other.
 */
@DisabledOnOs(OS.WINDOWS)
class AnswerAnywhereTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN = "answer-anywhere-admin";
  private static final String ELICIT = "evh__trigger-elicitation-request";
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

  private GatewayHarness replica(String more) throws Exception {
    return GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
          careful: { deployments: [ { type: demo } ] }
        clients:
          keys: [test-key, other-key]
        cluster:
          redis: { url: "redis://127.0.0.1:%d", reconnect_ms: 100 }
          fail: closed
        %s
        """.formatted(redisPort, more));
  }

  /** A 2026-07-28 stateless tools/call that declares elicitation; {@code extra} goes into params; the JSON-RPC answer. */
  private static JsonNode call(GatewayHarness gw, String key, String tool, String extra) throws Exception {
    return call(gw, key, tool, extra, "{\"elicitation\":{}}", "{}");
  }

  private static JsonNode call(GatewayHarness gw, String key, String tool, String extra, String capabilities,
      String arguments) throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{" + extra + "\"name\":\"" + tool
        + "\",\"arguments\":" + arguments + ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
        + "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"t\",\"version\":\"1\"},"
        + "\"io.modelcontextprotocol/clientCapabilities\":" + capabilities + "}}}";
    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .header("authorization", "Bearer " + key).header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream").header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call").header("mcp-name", tool).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    String text = r.body();
    int data = text.lastIndexOf("data:");
    return JSON.readTree(data >= 0 ? text.substring(data + 5).strip() : text);
  }

  private static String answering(String state, String key, String answer) {
    return "\"requestState\":\"" + state + "\",\"inputResponses\":{\"" + key + "\":" + answer + "},";
  }

  @Test
  void aLegacyUpstreamsElicitationIsAnsweredThroughTheOtherReplica() throws Exception {
    int port = NodeSupport.freePort();
    Process everything = NodeSupport.everythingHttp(port);
    String servers = """
        mcp:
          servers:
            evh: { type: http, url: "http://127.0.0.1:%d/mcp" }
        """.formatted(port);
    try (GatewayHarness a = replica(servers); GatewayHarness b = replica(servers)) {
      JsonNode asked = call(a, GatewayHarness.KEY, ELICIT, "").path("result");
      assertThat(asked.path("resultType").asText()).as(asked.toString()).isEqualTo("input_required");
      String state = asked.path("requestState").asText();
      Iterator<String> keys = asked.path("inputRequests").fieldNames();
      String key = keys.next();
      assertThat(asked.at("/inputRequests/" + key + "/method").asText()).isEqualTo("elicitation/create");

      // the binding is checked by the replica holding the call, whichever replica the retry reached
      JsonNode stranger = call(b, "other-key", ELICIT, answering(state, key, "{\"action\":\"accept\"}"));
      assertThat(stranger.at("/error/code").asInt()).as(stranger.toString()).isEqualTo(McpError.INVALID_PARAMS);
      assertThat(stranger.at("/error/message").asText()).contains("does not belong to this request");

      JsonNode done = call(b, GatewayHarness.KEY, ELICIT,
          answering(state, key, "{\"action\":\"accept\",\"content\":{\"name\":\"Ada Replica\"}}"));
      assertThat(done.at("/result/content").toString()).as(done.toString()).contains("Ada Replica");
      // used once, on either replica
      for (GatewayHarness gw : new GatewayHarness[] {a, b}) {
        JsonNode again = call(gw, GatewayHarness.KEY, ELICIT, answering(state, key, "{\"action\":\"accept\"}"));
        assertThat(again.at("/error/message").asText()).as(again.toString()).contains("unknown or expired");
      }
    } finally {
      everything.destroy();
    }
  }

  @Test
  void aRetryWhoseReplicaStoppedIsRefusedAtOnceAsUnknown() throws Exception {
    int port = NodeSupport.freePort();
    Process everything = NodeSupport.everythingHttp(port);
    String servers = """
        mcp:
          servers:
            evh: { type: http, url: "http://127.0.0.1:%d/mcp" }
        """.formatted(port);
    try (GatewayHarness b = replica(servers)) {
      JsonNode asked;
      try (GatewayHarness a = replica(servers)) {
        asked = call(a, GatewayHarness.KEY, ELICIT, "").path("result");
        assertThat(asked.path("resultType").asText()).as(asked.toString()).isEqualTo("input_required");
      } // replica A stops: the upstream call it held is lost with it
      String key = asked.path("inputRequests").fieldNames().next();
      long start = System.nanoTime();
      JsonNode r = call(b, GatewayHarness.KEY, ELICIT,
          answering(asked.path("requestState").asText(), key, "{\"action\":\"accept\"}"));
      assertThat(r.at("/error/code").asInt()).as(r.toString()).isEqualTo(McpError.INVALID_PARAMS);
      assertThat(r.at("/error/message").asText()).contains("unknown or expired").contains("call again without it");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not a wait for silence")
          .isLessThan(Duration.ofSeconds(5));
    } finally {
      everything.destroy();
    }
  }

  @Test
  void aHandleNamingAReplicaThatIsGoneIsRefusedAtOnce() throws Exception {
    try (GatewayHarness a = replica("mcp: { servers: { demo: { type: builtin } } }")) {
      JsonNode r = call(a, GatewayHarness.KEY, "demo__echo",
          answering("portcullis-mrtr.0123456789abcdef.nothing", "input-1", "{\"action\":\"accept\"}"));
      assertThat(r.at("/error/code").asInt()).as(r.toString()).isEqualTo(McpError.INVALID_PARAMS);
      assertThat(r.at("/error/message").asText()).contains("unknown or expired");
    }
  }

  @Test
  void approvalsDecidedThroughOneReplicaAreUsedThroughTheOther(@TempDir Path dir) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, """
        rules:
          - name: echo-needs-a-human
            when: "name == 'demo__echo'"
            effect: require_approval
            reason: echoes are watched
          - name: careful-needs-a-human
            when: "surface == 'llm' && model == 'careful'"
            effect: require_approval
            reason: the careful model is watched
        """);
    String shared = """
        store: { url: "%s" }
        admin: { key: %s }
        audit: { enabled: false }
        mcp: { servers: { demo: { type: builtin } } }
        policy: { file: "%s" }
        """.formatted(PostgresServer.get().newDatabase(), ADMIN, policy);
    try (GatewayHarness a = replica(shared); GatewayHarness b = replica(shared)) {
      // a tool call: refused on A until approved, the approval decided on B, the same call run on B
      String args = "{\"text\":\"watched echo\"}";
      JsonNode held = call(a, GatewayHarness.KEY, "demo__echo", "", "{}", args);
      assertThat(held.at("/error/code").asInt()).as(held.toString()).isEqualTo(McpError.APPROVAL_REQUIRED);
      String id = held.at("/error/data/approval_id").asText();
      assertThat(admin(b, "/admin/approvals/" + id + "/approve").statusCode()).isEqualTo(200);
      JsonNode ran = call(b, GatewayHarness.KEY, "demo__echo", "", "{}", args);
      assertThat(ran.at("/result/content/0/text").asText()).as(ran.toString()).contains("watched echo");
      JsonNode again = call(a, GatewayHarness.KEY, "demo__echo", "", "{}", args);
      assertThat(again.at("/error/code").asInt()).as("used once: " + again).isEqualTo(McpError.APPROVAL_REQUIRED);

      // a model call held open on A is answered once an administrator approves it through B
      CompletableFuture<HttpResponse<String>> chat = HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(
          URI.create(a.baseUrl() + "/v1/chat/completions")).timeout(Duration.ofSeconds(60))
          .header("content-type", "application/json").header("authorization", "Bearer " + GatewayHarness.KEY)
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"careful\",\"messages\":[{\"role\":\"user\","
              + "\"content\":\"hold me\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
      String[] pending = new String[1];
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
        for (JsonNode x : JSON.readTree(b.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + "/admin/approvals"))
            .header("authorization", "Bearer " + ADMIN).GET().build()).body()).path("data")) {
          if ("pending".equals(x.path("status").asText()) && "careful".equals(x.path("target").asText())) {
            pending[0] = x.path("id").asText();
            return true;
          }
        }
        return false;
      });
      assertThat(chat).isNotDone();
      assertThat(admin(b, "/admin/approvals/" + pending[0] + "/approve").statusCode()).isEqualTo(200);
      HttpResponse<String> answered = chat.get(30, TimeUnit.SECONDS);
      assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
    }
  }

  private static HttpResponse<String> admin(GatewayHarness gw, String path) throws Exception {
    return gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path)).header("authorization", "Bearer " + ADMIN)
        .POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  @Test
  void anApprovalAskedOfTheClientIsAnsweredThroughTheOtherReplica(@TempDir Path dir) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, """
        rules:
          - name: echo-asks-the-user
            when: "name == 'demo__echo'"
            effect: require_approval
            reason: echoes are watched
        """);
    String more = """
        mcp: { servers: { demo: { type: builtin } } }
        policy: { file: "%s" }
        """.formatted(policy);
    try (GatewayHarness a = replica(more); GatewayHarness b = replica(more)) {
      String args = "{\"text\":\"asked on A\"}";
      JsonNode asked = call(a, GatewayHarness.KEY, "demo__echo", "", "{\"elicitation\":{}}", args).path("result");
      assertThat(asked.path("resultType").asText()).as(asked.toString()).isEqualTo("input_required");
      String state = asked.path("requestState").asText();
      String accept = answering(state, "approval", "{\"action\":\"accept\"}");

      JsonNode stranger = call(b, "other-key", "demo__echo", accept, "{\"elicitation\":{}}", args);
      assertThat(stranger.at("/error/code").asInt()).as(stranger.toString()).isEqualTo(McpError.INVALID_PARAMS);
      // a refused answer used the question up: the user is asked again
      JsonNode again = call(a, GatewayHarness.KEY, "demo__echo", "", "{\"elicitation\":{}}", args).path("result");
      String state2 = again.path("requestState").asText();
      JsonNode done = call(b, GatewayHarness.KEY, "demo__echo",
          answering(state2, "approval", "{\"action\":\"accept\"}"), "{\"elicitation\":{}}", args);
      assertThat(done.at("/result/content/0/text").asText()).as(done.toString()).contains("asked on A");
      JsonNode reused = call(a, GatewayHarness.KEY, "demo__echo",
          answering(state2, "approval", "{\"action\":\"accept\"}"), "{\"elicitation\":{}}", args);
      assertThat(reused.at("/error/code").asInt()).as("used once: " + reused).isEqualTo(McpError.INVALID_PARAMS);
    }
  }
}
