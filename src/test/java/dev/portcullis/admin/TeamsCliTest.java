package dev.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The teams CLI: a team made implicitly by {@code keys create --team} can get its budget later. */
class TeamsCliTest {

  @Test
  void teamCreatedByAKeyGetsItsBudgetWithTeamsUpdate() throws Exception {
    Path dir = Files.createTempDirectory("portcullis-teams");
    Path config = dir.resolve("gw.yaml");
    Files.writeString(config, """
        models:
          demo:
            deployments:
              - type: demo
        store:
          url: jdbc:sqlite:%s/p.db
        """.formatted(dir));
    String cfg = config.toString();

    assertThat(run("keys", "create", "--config", cfg, "--name", "k1", "--team", "eng")).startsWith("pk-");
    assertThat(run("teams", "update", "eng", "--budget", "10", "--period", "monthly", "--config", cfg))
        .contains("eng");
    assertThat(run("teams", "list", "--config", cfg)).contains("eng").contains("$10").contains("month");
  }

  private static String run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new Main()).execute(args);
      assertThat(code).as("exit code of %s", String.join(" ", args)).isZero();
    } finally {
      System.setOut(old);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
