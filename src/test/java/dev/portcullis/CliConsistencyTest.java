package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import dev.portcullis.testing.Cli;
import dev.portcullis.testing.Cli.Run;

/** The command line as a user meets it: help, --json, periods, and what a store command needs. */
class CliConsistencyTest {
  static final ObjectMapper JSON = new ObjectMapper();
  /** An environment variable no machine sets. */
  static final String UNSET = "PORTCULLIS_TEST_SURELY_UNSET_VARIABLE";

  @TempDir
  Path dir;

  static Run run(String... args) {
    return Cli.run(args);
  }

  Path config() throws Exception {
    Path f = dir.resolve("gw.yaml");
    Files.writeString(f, """
        models:
          gpt-4o:
            deployments:
              - type: openai
                api_key: ${%s}
        store:
          url: jdbc:sqlite:%s/p.db
        audit:
          chain_key: '%s'
          checkpoints:
            signing_key: '%s'
        """.formatted(UNSET, dir, run("audit", "keygen", "chain").out().strip(),
        run("audit", "keygen", "checkpoint").out().strip()));
    return f;
  }

  @Test
  void helpIsACommandAtEveryLevel() {
    Run top = run("help");
    assertThat(top.exit()).isZero();
    assertThat(top.out()).contains("Usage: portcullis").contains("keys").contains("audit").contains("help");
    Run keys = run("help", "keys");
    assertThat(keys.exit()).isZero();
    assertThat(keys.out()).contains("Usage: portcullis keys").contains("rotate");
    Run create = run("keys", "help", "create");
    assertThat(create.exit()).isZero();
    assertThat(create.out()).contains("Usage: portcullis keys create").contains("--budget");
  }

  @Test
  void everyCommandOptionAndParameterIsDescribedInFull() {
    List<String> problems = new ArrayList<>();
    walk(new CommandLine(new Main()), problems);
    assertThat(problems).isEmpty();
    // picocli would swallow ${...} in a description unless written $${...}
    assertThat(usage("mcp", "import")).contains("${SERVER_NAME}").doesNotContain("null");
  }

  private static void walk(CommandLine cl, List<String> problems) {
    CommandSpec spec = cl.getCommandSpec();
    String[] description = spec.usageMessage().description();
    if (!spec.name().equals("help")) {
      if (description.length == 0 || !description[0].strip().endsWith(".")) {
        problems.add(spec.qualifiedName() + ": its description is missing or its first line is cut: "
            + String.join(" / ", description));
      }
      for (ArgSpec a : spec.args()) {
        if (a.description().length == 0 || a.description()[0].isBlank()) {
          problems.add(spec.qualifiedName() + " " + a + ": no description");
        }
      }
      String text = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
      if (text.contains("null")) {
        problems.add(spec.qualifiedName() + ": help shows 'null' (an unescaped ${...}?)");
      }
    }
    cl.getSubcommands().values().forEach(sub -> walk(sub, problems));
  }

  private static String usage(String... path) {
    CommandLine cl = new CommandLine(new Main());
    for (String p : path) {
      cl = cl.getSubcommands().get(p);
    }
    StringWriter w = new StringWriter();
    cl.usage(new PrintWriter(w), CommandLine.Help.Ansi.OFF);
    return w.toString();
  }

  @Test
  void periodsAreEchoedAsGivenAndJsonIsHonouredEverywhere() throws Exception {
    String cfg = config().toString();
    assertThat(JSON.readTree(run("keys", "list", "--config", cfg, "--json").out()).path("data").isArray()).isTrue();
    Run team = run("teams", "create", "--config", cfg, "--name", "eng", "--budget", "100", "--period", "monthly");
    assertThat(team.exit()).as(team.err()).isZero();
    assertThat(team.out()).contains("budget_period:").contains("monthly").doesNotStartWith("{");
    Run key = run("keys", "create", "--config", cfg, "--name", "k1", "--team", "eng", "--budget", "5",
        "--period", "weekly", "--json");
    assertThat(key.exit()).as(key.err()).isZero();
    JsonNode created = JSON.readTree(key.out());
    assertThat(created.path("key").asText()).startsWith("pk-");
    assertThat(created.path("budget_period").asText()).isEqualTo("weekly");

    assertThat(run("keys", "list", "--config", cfg).out()).contains("$5 weekly");
    assertThat(run("teams", "list", "--config", cfg).out()).contains("$100 monthly");
    JsonNode teams = JSON.readTree(run("teams", "list", "--config", cfg, "--json").out());
    assertThat(teams.at("/data/0/name").asText()).isEqualTo("eng");
    assertThat(teams.at("/data/0/budget_period").asText()).isEqualTo("monthly");
    JsonNode keys = JSON.readTree(run("keys", "list", "--config", cfg, "--json").out());
    assertThat(keys.at("/data/0/name").asText()).isEqualTo("k1");
    assertThat(JSON.readTree(run("keys", "show", "k1", "--config", cfg, "--json").out()).path("name").asText())
        .isEqualTo("k1");
    assertThat(run("keys", "show", "k1", "--config", cfg).out()).containsPattern("(?m)^name: +k1$");
    JsonNode disabled = JSON.readTree(run("keys", "disable", "k1", "--config", cfg, "--json").out());
    assertThat(disabled.path("disabled").asBoolean()).isTrue();
    assertThat(run("keys", "enable", "k1", "--config", cfg).out()).isEqualTo("enabled k1" + System.lineSeparator());
    JsonNode deleted = JSON.readTree(run("keys", "delete", "k1", "--config", cfg, "--json").out());
    assertThat(deleted.path("name").asText()).isEqualTo("k1");
  }

  @Test
  void storeAndAuditCommandsDoNotNeedTheEnvironmentOfOtherSections() throws Exception {
    assertThat(System.getenv(UNSET)).isNull();
    Path cfg = config();
    Run check = run("config", "check", cfg.toString());
    assertThat(check.exit()).isEqualTo(2);
    assertThat(check.err()).contains(UNSET);

    Run keys = run("keys", "list", "--config", cfg.toString());
    assertThat(keys.exit()).as(keys.err()).isZero();
    Run verify = run("audit", "verify", "--config", cfg.toString(), "--json");
    assertThat(verify.exit()).as(verify.err()).isZero();
    assertThat(JSON.readTree(verify.out()).isObject()).isTrue();
  }

  @Test
  void configCheckHonoursJsonForValidAndInvalidFiles() throws Exception {
    Path good = dir.resolve("good.yaml");
    Files.writeString(good, "models: { demo: { deployments: [ { type: demo } ] } }\n");
    Run ok = run("config", "check", good.toString(), "--json");
    assertThat(ok.exit()).as(ok.err()).isZero();
    JsonNode valid = JSON.readTree(ok.out());
    assertThat(valid.path("valid").asBoolean()).isTrue();
    assertThat(valid.path("model_groups").asInt()).isEqualTo(1);
    assertThat(valid.path("warnings").toString()).contains("no client can authenticate");
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "models: { demo: { deployments: [ { type: demo } ] } }\nrouter: { max_attempts: many }\n");
    Run no = run("config", "check", "--config=" + bad, "--json");
    assertThat(no.exit()).isEqualTo(2);
    JsonNode invalid = JSON.readTree(no.out());
    assertThat(invalid.path("valid").asBoolean()).isFalse();
    assertThat(invalid.path("problems").toString()).contains("router.max_attempts").contains("whole number");
  }

  @Test
  void auditCommandsDefaultToTheDemoConfigLikeEveryOtherCommand() {
    assertThat(usage("audit", "verify").replaceAll("\\s+", " ")).contains("default: examples/demo.yaml");
    assertThat(usage("audit", "public-key").replaceAll("\\s+", " ")).contains("default: examples/demo.yaml");
    assertThat(usage("keys", "list").replaceAll("\\s+", " ")).contains("default: examples/demo.yaml");
  }
}
