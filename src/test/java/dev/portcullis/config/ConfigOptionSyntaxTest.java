package dev.portcullis.config;

import static dev.portcullis.config.ConfigCheckTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testing.Cli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command that reads a configuration takes {@code --config FILE} and {@code --config=FILE} alike. */
class ConfigOptionSyntaxTest {
  static final List<List<String>> COMMANDS = List.of(List.of("serve", "--port", "0"), List.of("config", "check"),
      List.of("keys", "list"), List.of("teams", "list"), List.of("audit", "verify"), List.of("audit", "public-key"));

  @TempDir
  Path dir;

  @Test
  void bothSpellingsReachTheFileForEveryCommand() throws Exception {
    // invalid on purpose: each command must have read this very file to say what is wrong with it
    Path f = dir.resolve("broken.yaml");
    Files.writeString(f, "models:\n  m: { deployments: [ { type: no-such-provider } ] }\n");
    for (List<String> command : COMMANDS) {
      for (List<String> option : List.of(List.of("--config=" + f), List.of("--config", f.toString()))) {
        String[] args = java.util.stream.Stream.concat(command.stream(), option.stream()).toArray(String[]::new);
        Run r = cli(args);
        assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(2);
        assertThat(r.err()).as(String.join(" ", args)).contains(f.toString(), "unknown provider type 'no-such-provider'");
      }
    }
  }

  @Test
  void storeCommandsWorkWithTheEqualsSpelling() throws Exception {
    Path f = dir.resolve("store.yaml");
    Files.writeString(f, """
        store: { url: "jdbc:sqlite:data/keys.db" }
        models:
          demo: { deployments: [ { type: demo } ] }
        """);
    Run created = cli("teams", "create", "--config=" + f, "--name", "eng");
    assertThat(created.exit()).as(created.err()).isZero();
    Run listed = cli("teams", "list", "--config=" + f);
    assertThat(listed.exit()).as(listed.err()).isZero();
    assertThat(listed.out()).contains("eng");
    assertThat(dir.resolve("data/keys.db")).exists(); // relative to the config, not to the working directory
  }

  @Test
  void configCheckTakesOneFileEitherWay() {
    Run none = cli("config", "check");
    assertThat(none.exit()).isEqualTo(2);
    assertThat(none.err()).contains("give one configuration file");
    Run both = cli("config", "check", "a.yaml", "--config=b.yaml");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("give one configuration file");
  }
}
