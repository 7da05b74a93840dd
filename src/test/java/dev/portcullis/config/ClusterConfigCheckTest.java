package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code config check} on the cluster section: each mistake named by its field, no password echoed. */
class ClusterConfigCheckTest {
  @TempDir
  Path dir;

  private Cli.Run check(String cluster) throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, """
        models:
          demo: { deployments: [ { type: demo } ] }
        cluster:
        %s
        """.formatted(cluster));
    return Cli.run("config", "check", f.toString());
  }

  @Test
  void aValidSectionPasses() throws Exception {
    Cli.Run r = check("  redis: { url: \"redis://127.0.0.1:6379\", channel: gw-prod, reconnect_ms: 250 }\n  fail: open");
    assertThat(r.exit()).as(r.err()).isZero();
  }

  @Test
  void mistakesAreNamedAndThePasswordIsNotRepeated() throws Exception {
    Cli.Run r = check("  redis: { url: \"http://:hunter2-secret@cache:6379\", channel: \"a b\", reconnect_ms: 0 }\n"
        + "  fail: sometimes");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("cluster.fail: must be 'closed' or 'open', got 'sometimes'")
        .contains("cluster.redis.url: must be redis://HOST:PORT or rediss://HOST:PORT")
        .contains("cluster.redis.channel").contains("cluster.redis.reconnect_ms: must be positive")
        .doesNotContain("hunter2-secret");
  }

  @Test
  void anUnknownFieldIsRefused() throws Exception {
    Cli.Run r = check("  redis: { url: \"redis://cache:6379\", pasword: x }");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("pasword");
  }
}
