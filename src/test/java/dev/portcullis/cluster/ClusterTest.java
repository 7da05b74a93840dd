package dev.portcullis.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.store.PostgresServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateway replicas as a user runs them ({@link ClusterRig}: separate JVMs on one PostgreSQL
 * store and one Redis, behind HAProxy in round robin), driven by the official OpenAI Java SDK and
 * the MCP TypeScript SDK v1 (legacy sessions). The stages build on each other (a replica killed
 * in the MCP stage stays dead), hence the order.
 */
@DisabledOnOs(OS.WINDOWS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  ClusterRig rig;

  @BeforeAll
  void startCluster() throws Exception {
    rig = ClusterRig.start(dir, "");
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (rig != null) {
      rig.close();
    }
  }

  private String replicaUrl(int n) {
    return rig.replicaUrl(n);
  }

  private static OpenAIClient openAi(String base, String key) {
    return ClusterRig.openAi(base, key);
  }

  private static ChatCompletionCreateParams ask(String text) {
    return ClusterRig.ask(text);
  }

  @Test
  @Order(1)
  void aKeyDisabledThroughReplicaOneIsRefusedByReplicaThreeWithinOneSecond() throws Exception {
    AdminClient admin1 = rig.admin(1);
    JsonNode created = admin1.ok("POST", "/admin/keys", "{\"name\":\"cluster-disable\"}");
    String key = created.path("key").asText();
    String id = created.path("id").asText();
    OpenAIClient onThree = openAi(replicaUrl(3), key);
    // created on replica 1; replica 3 re-reads the store when told, not at its (10 min) refresh
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(25)).ignoreExceptions()
        .until(() -> onThree.chat().completions().create(ask("created elsewhere")).choices().size() == 1);

    admin1.ok("POST", "/admin/keys/" + id + "/disable", null);
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(25)).until(() -> {
      try {
        onThree.chat().completions().create(ask("still served?"));
        return false;
      } catch (UnauthorizedException refused) {
        return true;
      }
    });
    assertThatThrownBy(() -> openAi(replicaUrl(2), key).chat().completions().create(ask("and here?")))
        .isInstanceOf(UnauthorizedException.class);
  }

  @Test
  @Order(2)
  void aLegacyMcpSessionSpansEveryReplicaIsNotifiedOfChangesElsewhereAndSurvivesAKill() throws Exception {
    AdminClient admin1 = rig.admin(1);
    String key = admin1.createKey("{\"name\":\"cluster-mcp\"}");
    for (int n = 1; n <= 3; n++) {
      String base = replicaUrl(n);
      await().atMost(Duration.ofSeconds(5)).until(() -> get(base + "/v1/models", key).statusCode() == 200);
    }
    Process node = new ProcessBuilder(NodeSupport.node(), "cluster-session-v1.mjs", rig.balancer + "/mcp", key, "50")
        .directory(Path.of("src/test/node").toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BlockingQueue<JsonNode> phases = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          phases.add(JSON.readTree(line));
        }
      } catch (Exception e) {
        // the script ended
      }
    }, "cluster-mcp-client");
    reader.setDaemon(true);
    reader.start();
    try (Writer stdin = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8)) {
      JsonNode served = phase(phases, "served");
      assertThat(served.path("failures")).as("failures: " + served).isEmpty();
      assertThat(served.path("ok").asInt()).isEqualTo(50);
      assertThat(served.path("servedBy").size()).as("every replica served the session: " + served).isEqualTo(3);
      String streamOn = served.path("streamOn").asText(null);
      assertThat(streamOn).as("the GET stream is open on one replica").isNotNull().matches("r[123]");

      // the session is bound to its principal on every replica: another key gets "not found"
      String stranger = admin1.createKey("{\"name\":\"cluster-stranger\"}");
      for (int n = 1; n <= 3; n++) {
        String base = replicaUrl(n);
        await().atMost(Duration.ofSeconds(5)).until(() -> get(base + "/v1/models", stranger).statusCode() == 200);
        HttpResponse<String> hijack = rig.http.send(HttpRequest.newBuilder(URI.create(base + "/mcp"))
            .timeout(Duration.ofSeconds(10)).header("authorization", "Bearer " + stranger)
            .header("mcp-session-id", served.path("sessionId").asText()).header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(hijack.statusCode()).as("replica " + n + ": " + hijack.body()).isEqualTo(404);
      }

      // the cause goes to a replica the client's stream is not on
      int holder = Integer.parseInt(streamOn.substring(1));
      int other = holder % 3 + 1;
      rig.writeConfig("    second: { type: builtin }");
      JsonNode reload = rig.admin(other).ok("POST", "/admin/config/reload", null);
      assertThat(reload.path("result").asText()).as(reload.toString()).isEqualTo("applied");
      JsonNode notified = phase(phases, "notified");
      assertThat(notified.path("changed").asInt()).as("tools/list_changed reached the stream on r" + holder)
          .isPositive();

      rig.replicas.get(holder - 1).kill(); // the replica holding the client's stream, kill -9
      stdin.write("killed\n");
      stdin.flush();
      JsonNode after = phase(phases, "after");
      assertThat(after.path("failures")).as("after the kill: " + after).isEmpty();
      assertThat(after.path("ok").asInt()).isEqualTo(25);
      assertThat(after.path("sessionId").asText()).isEqualTo(served.path("sessionId").asText());
    } finally {
      if (!node.waitFor(20, TimeUnit.SECONDS)) {
        node.destroyForcibly();
      }
    }
  }

  @Test
  @Order(3)
  void withRedisDownGovernedRequestsGet503AndReadinessFailsUntilItReturns() throws Exception {
    List<String> alive = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      if (rig.replicas.get(n - 1).process.isAlive()) {
        alive.add(replicaUrl(n));
      }
    }
    String key = new AdminClient(alive.get(0), ClusterRig.ADMIN_KEY).createKey("{\"name\":\"cluster-redis\"}");
    for (String base : alive) {
      await().atMost(Duration.ofSeconds(5)).until(() -> get(base + "/v1/models", key).statusCode() == 200);
    }
    rig.redis.close();
    for (String base : alive) {
      await().atMost(Duration.ofSeconds(10)).until(() -> get(base + "/readyz").statusCode() == 503);
      assertThat(get(base + "/readyz").body()).contains("cluster:redis");
      assertThat(get(base + "/healthz").statusCode()).as("alive, only not ready").isEqualTo(200);

      HttpResponse<String> chat = post(base + "/v1/chat/completions", key,
          "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(chat.statusCode()).isEqualTo(503);
      assertThat(JSON.readTree(chat.body()).path("error").path("code").asText()).isEqualTo("cluster_unavailable");
      HttpResponse<String> messages = post(base + "/v1/messages", key,
          "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(messages.statusCode()).isEqualTo(503);
      assertThat(JSON.readTree(messages.body()).path("type").asText()).isEqualTo("error");
      HttpResponse<String> mcp = post(base + "/mcp", key, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
          + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\","
          + "\"version\":\"1\"}}}");
      assertThat(mcp.statusCode()).isEqualTo(503);
      assertThat(JSON.readTree(mcp.body()).path("error").path("code").asInt()).isEqualTo(-32040);
    }

    rig.startRedis(); // the same address, empty: the replicas find it again by themselves
    for (String base : alive) {
      await().atMost(Duration.ofSeconds(10)).until(() -> get(base + "/readyz").statusCode() == 200);
    }
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
        openAi(rig.balancer, key).chat().completions().create(ask("back")).choices().size() == 1);
  }

  private static JsonNode phase(BlockingQueue<JsonNode> phases, String name) throws InterruptedException {
    JsonNode p = phases.poll(60, TimeUnit.SECONDS);
    assertThat(p).as("the MCP client's phase " + name).isNotNull();
    assertThat(p.path("phase").asText()).as(p.toString()).isEqualTo(name);
    return p;
  }

  private HttpResponse<String> get(String url) throws Exception {
    return rig.get(url);
  }

  private HttpResponse<String> get(String url, String key) throws Exception {
    return rig.get(url, key);
  }

  private HttpResponse<String> post(String url, String key, String body) throws Exception {
    return rig.post(url, key, body);
  }
}
