package dev.portcullis.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.admin.AdminClient;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits shared by three replicas ({@link ClusterRig}: separate JVMs, one PostgreSQL, one Redis,
 * HAProxy in round robin): a key, a team and a tool call count once in the cluster, not once per
 * replica. Plain HTTP clients, so that no client retries a refusal behind the test's back.
 */
@DisabledOnOs(OS.WINDOWS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterLimitsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHAT = "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
      + "\"content\":\"hi\"}]}";

  @TempDir
  static Path dir;
  ClusterRig rig;
  AdminClient admin;

  @BeforeAll
  void startCluster() throws Exception {
    rig = ClusterRig.start(dir, """
        pricing:
          models:
            demo: { input: 1, output: 2 }
        """);
    admin = rig.admin(1);
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (rig != null) {
      rig.close();
    }
  }

  private HttpResponse<String> chat(String base, String key) throws Exception {
    return rig.post(base + "/v1/chat/completions", key, CHAT);
  }

  /**
   * Sends {@code n} chat requests, {@code parallel} at a time, through the balancer or (null)
   * straight to the replicas in turn; the count per status.
   */
  private Map<Integer, Integer> burst(String key, int n, int parallel, Map<String, Integer> servedBy)
      throws Exception {
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      List<Future<?>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String base = servedBy != null ? rig.balancer : rig.replicaUrl(i % 3 + 1);
        sent.add(pool.submit(() -> {
          HttpResponse<String> r = chat(base, key);
          statuses.merge(r.statusCode(), 1, Integer::sum);
          if (r.statusCode() != 200 && r.statusCode() != 403 && r.statusCode() != 429) {
            unexpected.putIfAbsent(r.statusCode(), r.body());
          }
          if (r.statusCode() == 200 && servedBy != null) {
            servedBy.merge(r.headers().firstValue("x-served-by").orElse("?"), 1, Integer::sum);
          }
          return null;
        }));
      }
      for (Future<?> f : sent) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return new TreeMap<>(statuses);
  }

  /** One answer of each status a burst did not expect (neither served nor refused by a limit). */
  private final Map<Integer, String> unexpected = new ConcurrentHashMap<>();

  private String unexpected() {
    return unexpected.isEmpty() ? "" : " unexpected answers: " + unexpected + "\n" + rig.warnings();
  }

  /** What the store recorded for a key or team once every replica wrote its usage: requests and cost. */
  private JsonNode usage(String filter, String id, int requests) {
    AtomicInteger seen = new AtomicInteger();
    JsonNode[] row = new JsonNode[1];
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).alias("usage of " + filter + " " + id
        + " reaches " + requests + " requests (seen " + seen + ")").until(() -> {
          JsonNode report = admin.ok("GET", "/admin/usage?" + filter + "=" + id, null);
          JsonNode data = report.path("data");
          row[0] = data.size() == 0 ? JSON.createObjectNode().put("requests", 0).put("cost_usd", 0) : data.get(0);
          seen.set(row[0].path("requests").asInt());
          return seen.get() == requests;
        });
    return row[0];
  }

  @Test
  void aKeyWith60RpmGetsExactly60Of300RequestsThroughTheBalancer() throws Exception {
    JsonNode created = admin.ok("POST", "/admin/keys", "{\"name\":\"cluster-rpm\",\"rpm\":60}");
    String key = created.path("key").asText();
    rig.awaitKnownEverywhere(key);
    Map<String, Integer> servedBy = new ConcurrentHashMap<>();
    Map<Integer, Integer> statuses = burst(key, 300, 12, servedBy);
    assertThat(statuses).as("60 served, the rest refused, nothing else" + unexpected()).isEqualTo(Map.of(200, 60, 429, 240));
    assertThat(servedBy.keySet()).as("every replica served some: " + servedBy).hasSize(3);
    HttpResponse<String> refused = chat(rig.replicaUrl(2), key);
    assertThat(refused.statusCode()).isEqualTo(429);
    JsonNode error = JSON.readTree(refused.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(error.path("message").asText()).contains("requests per min (RPM): Limit 60");
    assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
    assertThat(refused.headers().firstValue("retry-after")).isPresent();
  }

  @Test
  void twoHundredConcurrentRequestsStayWithinASmallKeyBudget() throws Exception {
    BigDecimal budget = new BigDecimal("0.0005");
    JsonNode created = admin.ok("POST", "/admin/keys", "{\"name\":\"cluster-budget\",\"budget_usd\":" + budget
        + ",\"budget_period\":\"daily\"}");
    String key = created.path("key").asText();
    rig.awaitKnownEverywhere(key);
    // straight to the replicas, a third each: the balancer's health checks are no part of this
    Map<Integer, Integer> statuses = burst(key, 200, 200, null);
    int served = statuses.getOrDefault(200, 0);
    assertThat(served).as(statuses.toString()).isPositive();
    assertThat(statuses.getOrDefault(403, 0)).as(statuses.toString()).isPositive();
    assertThat(served + statuses.getOrDefault(403, 0)).as("served or refused for the budget: " + statuses + unexpected())
        .isEqualTo(200);
    HttpResponse<String> after = chat(rig.replicaUrl(3), key);
    assertThat(after.statusCode()).isEqualTo(403);
    JsonNode error = JSON.readTree(after.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("key_budget_exceeded");
    // what each of these identical calls reserved, as the refusal says, and what each really cost
    Matcher needs = Pattern.compile("needs \\$([0-9.]+) reserved").matcher(error.path("message").asText());
    assertThat(needs.find()).as(error.toString()).isTrue();
    BigDecimal reserved = new BigDecimal(needs.group(1));
    JsonNode spent = usage("key", created.path("id").asText(), served);
    BigDecimal cost = spent.path("cost_usd").decimalValue();
    BigDecimal perCall = cost.divide(BigDecimal.valueOf(served), MathContext.DECIMAL64);
    // the documented bound: the budget plus what the reservations of the calls in flight under-estimated
    BigDecimal underEstimate = perCall.subtract(reserved).max(BigDecimal.ZERO);
    BigDecimal bound = budget.add(underEstimate.multiply(BigDecimal.valueOf(served)));
    assertThat(cost).as("spend of %d calls, each reserving %s and costing %s", served, reserved, perCall)
        .isPositive().isLessThanOrEqualTo(bound);
  }

  @Test
  void aTeamBudgetIsSharedByTwoKeysHittingDifferentReplicas() throws Exception {
    BigDecimal budget = new BigDecimal("0.0002");
    JsonNode team = admin.ok("POST", "/admin/teams", "{\"name\":\"cluster-team\",\"budget_usd\":" + budget
        + ",\"budget_period\":\"daily\"}");
    String a = admin.createKey("{\"name\":\"cluster-team-a\",\"team\":\"cluster-team\"}");
    String b = admin.createKey("{\"name\":\"cluster-team-b\",\"team\":\"cluster-team\"}");
    rig.awaitKnownEverywhere(a);
    rig.awaitKnownEverywhere(b);
    assertThat(chat(rig.replicaUrl(2), b).statusCode()).isEqualTo(200);
    int served = 1;
    HttpResponse<String> last = null;
    for (int i = 0; i < 100; i++) {
      last = chat(rig.replicaUrl(1), a);
      if (last.statusCode() != 200) {
        break;
      }
      served++;
    }
    assertThat(last.statusCode()).as(last.body()).isEqualTo(403);
    assertThat(JSON.readTree(last.body()).at("/error/code").asText()).isEqualTo("team_budget_exceeded");
    // the other key, on another replica, finds the team's budget spent by the first
    HttpResponse<String> other = chat(rig.replicaUrl(2), b);
    assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
    JsonNode error = JSON.readTree(other.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("team_budget_exceeded");
    assertThat(error.path("message").asText()).contains("team 'cluster-team'").contains("every replica");
    assertThat(chat(rig.replicaUrl(3), b).statusCode()).isEqualTo(403);
    JsonNode spent = usage("team", team.path("id").asText(), served);
    assertThat(spent.path("cost_usd").decimalValue()).isLessThanOrEqualTo(budget);
  }

  @Test
  void aToolCallCountsAgainstItsKeysRpmAcrossReplicas() throws Exception {
    String key = admin.createKey("{\"name\":\"cluster-tool-rpm\",\"rpm\":3}");
    rig.awaitKnownEverywhere(key);
    assertThat(chat(rig.replicaUrl(1), key).statusCode()).isEqualTo(200);
    assertThat(chat(rig.replicaUrl(3), key).statusCode()).isEqualTo(200);
    JsonNode called = toolCall(rig.replicaUrl(2), key);
    assertThat(called.path("error").isMissingNode()).as(called.toString()).isTrue();
    assertThat(called.at("/result/content/0/text").asText()).contains("cluster");
    // the tool call was the key's third request of the minute, wherever it went
    assertThat(chat(rig.replicaUrl(1), key).statusCode()).isEqualTo(429);
    JsonNode refused = toolCall(rig.replicaUrl(3), key);
    assertThat(refused.at("/error/data/limit").asText()).as(refused.toString()).isEqualTo("rpm");
    assertThat(refused.at("/error/data/scope").asText()).isEqualTo("key");
  }

  /** A 2026-07-28 stateless tools/call of the built-in demo server's echo tool; the JSON-RPC answer. */
  private JsonNode toolCall(String base, String key) throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"demo__echo\","
        + "\"arguments\":{\"text\":\"cluster\"},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
        + "\"2026-07-28\",\"io.modelcontextprotocol/clientInfo\":{\"name\":\"cluster-limits\",\"version\":\"1\"},"
        + "\"io.modelcontextprotocol/clientCapabilities\":{}}}}";
    HttpResponse<String> r = rig.post(base + "/mcp", key, body, new String[] {"mcp-protocol-version", "2026-07-28",
        "mcp-method", "tools/call", "mcp-name", "demo__echo"});
    String text = r.body();
    int data = text.lastIndexOf("data:");
    return JSON.readTree(data >= 0 ? text.substring(data + 5).strip() : text);
  }
}
