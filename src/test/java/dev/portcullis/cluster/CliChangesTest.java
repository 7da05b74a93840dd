package dev.portcullis.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.testing.Cli;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code portcullis keys} command, run beside a replica on the same store with the same
 * {@code cluster} section, announces its change on Redis: the replica accepts a key created and
 * refuses a key disabled through the CLI within a second, with its periodic refresh far away.
 */
@DisabledOnOs(OS.WINDOWS)
class CliChangesTest {
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

  private static int status(GatewayHarness gw, String key) throws Exception {
    return gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/models"))
        .header("authorization", "Bearer " + key).timeout(Duration.ofSeconds(5)).GET().build()).statusCode();
  }

  @Test
  void keysCreatedAndDisabledThroughTheCliReachARunningReplicaWithinASecond(@TempDir Path dir) throws Exception {
    String yaml = """
        models:
          demo: { deployments: [ { type: demo } ] }
        store:
          url: "jdbc:sqlite:%s"
          key_refresh_ms: 600000   # far beyond the test: a change seen in time came as an event
        cluster:
          redis: { url: "redis://127.0.0.1:%d", reconnect_ms: 100 }
        """.formatted(dir.resolve("store.db"), redisPort);
    Path config = dir.resolve("portcullis.yaml");
    Files.writeString(config, yaml);
    try (GatewayHarness gw = GatewayHarness.start(yaml)) {
      assertThat(status(gw, "pk-not-a-key")).isEqualTo(401); // warm: the timed stages measure the event, not class loading
      assertThat(status(gw, GatewayHarness.KEY)).isEqualTo(200);
      Cli.Run created = Cli.run("keys", "create", "--config", config.toString(), "--name", "from-the-cli");
      assertThat(created.exit()).as(created.err()).isZero();
      assertThat(created.err()).doesNotContain("warning");
      String secret = created.out().lines().filter(l -> l.startsWith("pk-")).findFirst().orElseThrow();
      await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(25))
          .until(() -> status(gw, secret) == 200);

      Cli.Run disabled = Cli.run("keys", "disable", "--config", config.toString(), "from-the-cli");
      assertThat(disabled.exit()).as(disabled.err()).isZero();
      await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(25))
          .until(() -> status(gw, secret) == 401);
    }
  }

  @Test
  void aChangeIsStoredEvenWhenRedisIsAwayAndTheCliSaysTheReplicasWereNotTold(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("portcullis.yaml");
    Files.writeString(config, """
        models:
          demo: { deployments: [ { type: demo } ] }
        store: { url: "jdbc:sqlite:%s" }
        cluster:
          redis: { url: "redis://127.0.0.1:%d" }
        """.formatted(dir.resolve("store.db"), NodeSupport.freePort()));
    Cli.Run created = Cli.run("keys", "create", "--config", config.toString(), "--name", "stored-anyway");
    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(created.out().strip()).startsWith("pk-");
    assertThat(created.err()).contains("warning: stored, but the running replicas could not be told")
        .contains("store.key_refresh_ms");
    Cli.Run listed = Cli.run("keys", "list", "--config", config.toString());
    assertThat(listed.out()).contains("stored-anyway");
  }
}
