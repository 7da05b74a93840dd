package dev.portcullis.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.Gateway;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.mcp.FakeHttpMcpServer;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.testing.LoadLoops;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload changes a persona's limits, the prices and an MCP upstream's credential of a gateway
 * under load: the new limits apply to the next request with the persona's current minute carried
 * over (neither a fresh window nor the old numbers), the new prices charge the next call, the
 * restarted upstream gets the new credential, slots held across the reload are given back, and
 * not one request of the load fails.
 */
class LiveLimitsReloadTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ADMIN = "admin-secret";
  /** config-key-1: persona capped (rpm); config-key-2: persona loaded (max_parallel); config-key-3: no persona. */
  static final String CAPPED = "k1";
  static final String LOADED = "k2";
  static final String PLAIN = "k3";

  @TempDir
  Path dir;
  Gateway gateway;
  FakeHttpMcpServer upstream;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  String yaml(int cappedRpm, int loadedParallel, int pricePerMillion, String upstreamSecret) {
    return """
        admin: { key: %s }
        clients:
          keys: [%s, %s, %s]
        models:
          alpha: { deployments: [ { name: alpha-1, type: demo } ] }
        pricing:
          models:
            alpha: { input: %d, output: %d }
        personas:
          capped: { models: [alpha], keys: [config-key-1], limits: { rpm: %d } }
          loaded: { models: [alpha], keys: [config-key-2], limits: { max_parallel: %d } }
        mcp:
          servers:
            up: { type: http, url: "%s", auth: { type: api_key, name: X-Upstream-Key, value: "%s" } }
        """.formatted(ADMIN, CAPPED, LOADED, PLAIN, pricePerMillion, pricePerMillion, cappedRpm, loadedParallel,
        upstream.url(), upstreamSecret);
  }

  @Test
  void limitsPricesAndCredentialsApplyToTheNextCallUnderLoad() throws Exception {
    upstream = new FakeHttpMcpServer();
    Path file = dir.resolve("portcullis.yaml");
    Files.writeString(file, yaml(1, 4, 1000, "secret-one"));
    gateway = Gateway.start(file, new ConfigLoader().load(file), 0, 2);
    McpTestClient mcp = new McpTestClient(base() + "/mcp", PLAIN);
    mcp.initialize("2025-11-25");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(McpTestClient.text(mcp.callTool("up__echo", "{\"text\":\"up\"}"))).isEqualTo("up"));
    assertThat(upstream.seenHeaders).contains("secret-one");

    LoadLoops load = load(mcp).start();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.done.get() >= 10);

    // rpm 1: one request, then refused with the limit in force
    assertThat(chat(CAPPED).statusCode()).isEqualTo(200);
    HttpResponse<String> refused = chat(CAPPED);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.body()).contains("persona 'capped'").contains("Limit 1.");
    double cheap = costOfOneChat();
    assertThat(cheap).isPositive();

    // one reload: rpm 1 -> 2, max_parallel 4 -> 3 while calls hold slots, prices x3, a new upstream secret
    Files.writeString(file, yaml(2, 3, 3000, "secret-two"));
    HttpResponse<String> r = adminReload();
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("pricing: changed").contains("personas: changed capped loaded")
        .contains("mcp.servers: restarted up").doesNotContain("needs a restart");

    // the minute's one request is still counted: one more, not two, and the new limit is named
    assertThat(chat(CAPPED).statusCode()).isEqualTo(200);
    refused = chat(CAPPED);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.body()).contains("Limit 2.");

    double dear = costOfOneChat();
    assertThat(dear / cheap).as("the same call at three times the price").isCloseTo(3.0,
        org.assertj.core.data.Offset.offset(1e-6));

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(upstream.seenHeaders.get(upstream.seenHeaders.size() - 1)).isEqualTo("secret-two"));

    // tightened below what the minute used: refused at once (a fresh window would admit one)
    Files.writeString(file, yaml(1, 3, 3000, "secret-two"));
    assertThat(adminReload().statusCode()).isEqualTo(200);
    refused = chat(CAPPED);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.body()).contains("Limit 1.");

    int before = load.done.get();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.done.get() >= before + 10);
    load.stop();
    assertThat(load.failures).as("failed requests across the reloads").isEmpty();

    // every slot the load took, before and after the reloads, was given back: one slot is enough
    Files.writeString(file, yaml(1, 1, 3000, "secret-two"));
    assertThat(adminReload().statusCode()).isEqualTo(200);
    assertThat(chat(LOADED).statusCode()).isEqualTo(200);
    assertThat(chat(LOADED).statusCode()).isEqualTo(200);
  }

  static final String PLAIN_ID = "config-key-3";

  /** Two chat clients through persona loaded, one MCP tool caller; every failure recorded. */
  LoadLoops load(McpTestClient mcp) {
    LoadLoops load = new LoadLoops(Duration.ZERO);
    for (String name : List.of("chat-1", "chat-2")) {
      load.add(name, () -> {
        HttpResponse<String> r = chat(LOADED);
        return r.statusCode() == 200 && r.body().contains("\"choices\"") ? null : r.statusCode() + " " + r.body();
      });
    }
    return load.add("mcp", () -> {
      var res = mcp.callTool("up__echo", "{\"text\":\"load\"}");
      return "load".equals(McpTestClient.text(res)) ? null : "mcp: " + res;
    });
  }

  String base() {
    return "http://127.0.0.1:" + gateway.port();
  }

  /** A chat as {@code key}, acting through the persona the key is granted (none for PLAIN). */
  HttpResponse<String> chat(String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + "/v1/chat/completions"));
    if (!key.equals(PLAIN)) {
      b.header("x-portcullis-persona", key.equals(CAPPED) ? "capped" : "loaded");
    }
    return http.send(b.timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + key)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"alpha\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> adminReload() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base() + "/admin/config/reload"))
        .timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + ADMIN)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** What one chat of key PLAIN (no persona) cost, from the spend it adds to /metrics. */
  double costOfOneChat() throws Exception {
    double before = spendOf(PLAIN_ID);
    assertThat(chat(PLAIN).statusCode()).isEqualTo(200);
    // the spend is recorded when the call is settled, which may be just after the answer
    await().atMost(Duration.ofSeconds(20)).until(() -> spendOf(PLAIN_ID) > before);
    return spendOf(PLAIN_ID) - before;
  }

  /** The USD spent by one key so far, from /metrics. */
  double spendOf(String keyId) throws Exception {
    String body = http.send(HttpRequest.newBuilder(URI.create(base() + "/metrics"))
        .header("authorization", "Bearer " + PLAIN).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    return body.lines().filter(l -> l.startsWith("portcullis_spend_usd_total{") && l.contains("key=\"" + keyId + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }
}
