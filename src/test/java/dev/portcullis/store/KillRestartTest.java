package dev.portcullis.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.admin.AdminClient;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A gateway process killed with SIGKILL and started again still knows what each key spent:
 * usage written before the kill is there after the restart, and the budget still holds.
 */
class KillRestartTest {
  static final String ADMIN = "kill-admin";
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void spendSurvivesKillNine(String engine) throws Exception {
    Path dir = Files.createTempDirectory("portcullis-kill");
    String url = engine.equals("sqlite") ? "jdbc:sqlite:" + dir.resolve("p.db") : PostgresServer.get().newDatabase();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, """
        server: { port: %d, access_log: false }
        clients: { keys: [unused-config-key] }
        models:
          demo:
            deployments:
              - type: demo
        store:
          url: "%s"
          flush_ms: 50
        admin:
          key: %s
        pricing:
          models:
            demo: { input: 1000, output: 1000 }
        audit:                       # a PostgreSQL store needs the audit keys set (replicas share them)
          chain_key: "file:%s"
          checkpoints: { signing_key: "file:%s" }
        """.formatted(port, url, ADMIN, dir.resolve("audit-chain.key"), dir.resolve("audit-checkpoint.jwk")));
    String base = "http://127.0.0.1:" + port;
    AdminClient admin = new AdminClient(base, ADMIN);

    Process first = launch(config, dir);
    String key;
    String id;
    BigDecimal spentBefore;
    try {
      awaitHealthy(base, first);
      JsonNode created = admin.ok("POST", "/admin/keys", "{\"name\":\"durable\",\"budget_usd\":0.2}");
      key = created.get("key").asText();
      id = created.get("id").asText();
      for (int i = 0; i < 5; i++) {
        assertThat(chat(base, key).statusCode()).isEqualTo(200);
      }
      spentBefore = admin.ok("GET", "/admin/keys/durable", null).at("/spend/total_usd").decimalValue();
      assertThat(spentBefore.signum()).isPositive();
      Thread.sleep(600); // several flush intervals: the batches are committed
    } finally {
      first.destroyForcibly(); // SIGKILL: no shutdown hook, no final flush
      first.waitFor(30, TimeUnit.SECONDS);
    }

    Process second = launch(config, dir);
    try {
      awaitHealthy(base, second);
      JsonNode view = admin.ok("GET", "/admin/keys/durable", null);
      assertThat(view.at("/spend/total_usd").decimalValue()).isEqualByComparingTo(spentBefore);
      JsonNode usage = admin.ok("GET", "/admin/usage?group_by=key&key=" + id, null);
      assertThat(usage.at("/data/0/requests").asLong()).isEqualTo(5);
      // the budget ($0.2, about 8 calls of ~$0.023) still counts what was spent before the kill
      int more = 0;
      while (chat(base, key).statusCode() == 200) {
        more++;
        assertThat(more).isLessThan(10);
      }
      assertThat(5 + more).isBetween(6, 8);
      BigDecimal total = admin.ok("GET", "/admin/keys/durable", null).at("/spend/total_usd").decimalValue();
      assertThat(total).isLessThanOrEqualTo(new BigDecimal("0.2"));
    } finally {
      second.destroy();
      second.waitFor(30, TimeUnit.SECONDS);
      if (second.isAlive()) {
        second.destroyForcibly();
      }
    }
  }

  private Process launch(Path config, Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), "dev.portcullis.Main", "serve",
        "--config", config.toString(), "--event-loops", "1")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("gateway.log").toFile());
    pb.environment().put("PORTCULLIS_LOG_LEVEL", "WARN");
    return pb.start();
  }

  private void awaitHealthy(String base, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("the gateway exited with " + p.exitValue());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the gateway did not become ready");
  }

  private HttpResponse<String> chat(String base, String key) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
        .header("authorization", "Bearer " + key).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"demo\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"durable\"}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

}
