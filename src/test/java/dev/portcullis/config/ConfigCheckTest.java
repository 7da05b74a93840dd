package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.portcullis.testing.Cli;
import dev.portcullis.testing.Cli.Run;

/** {@code portcullis config check FILE}: exit codes, and messages that name the file, the field and why. */
class ConfigCheckTest {
  /** An environment variable no machine sets. */
  static final String UNSET = "PORTCULLIS_TEST_SURELY_UNSET_VARIABLE";

  @TempDir
  Path dir;

  static Run check(Path file) {
    return cli("config", "check", file.toString());
  }

  /** Runs the CLI in-process, capturing what it prints. */
  static Run cli(String... args) {
    return Cli.run(args);
  }

  Path write(String name, String yaml) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, yaml);
    return f;
  }

  /** Asserts exit 2 and an error naming the file and containing every fragment; returns stderr. */
  static String assertInvalid(Path file, String... fragments) {
    assertThat(System.getenv(UNSET)).isNull();
    Run r = check(file);
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains(file.toString());
    for (String f : fragments) {
      assertThat(r.err()).contains(f);
    }
    return r.err();
  }

  @Test
  void theDemoConfigIsValid() {
    Run r = check(Path.of("examples/demo.yaml"));
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("examples/demo.yaml").contains("OK");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void unknownField() throws Exception {
    Path f = write("unknown-field.yaml", """
        models:
          m:
            deployments:
              - type: demo
                colour: red
        """);
    assertInvalid(f, "models.m.deployments[0].colour", "unknown field");
  }

  @Test
  void unknownTopLevelField() throws Exception {
    Path f = write("typo.yaml", """
        modles:
          m:
            deployments: [{ type: demo }]
        """);
    assertInvalid(f, "modles", "unknown field");
  }

  @Test
  void unknownProviderType() throws Exception {
    Path f = write("provider.yaml", """
        models:
          m:
            deployments:
              - type: open-ai
        """);
    assertInvalid(f, "models.m.deployments[0].type", "unknown provider type 'open-ai'");
  }

  @Test
  void azureWithoutApiVersion() throws Exception {
    Path f = write("azure.yaml", """
        models:
          m:
            deployments:
              - type: azure
                base_url: https://example.openai.azure.com
                deployment: gpt-4o
                api_key: k
        """);
    assertInvalid(f, "models.m.deployments[0].api_version", "required for azure");
  }

  @Test
  void fallbackToAnUnknownGroup() throws Exception {
    Path f = write("fallback.yaml", """
        models:
          m:
            fallbacks: [nope]
            deployments: [{ type: demo }]
        """);
    assertInvalid(f, "models.m.fallbacks", "no model group named 'nope'");
  }

  @Test
  void unsetEnvironmentVariable() throws Exception {
    Path f = write("env.yaml", """
        models:
          m:
            deployments:
              - type: openai
                api_key: ${%s}
        """.formatted(UNSET));
    assertInvalid(f, "models.m.deployments[0].api_key", UNSET, "not set");
  }

  @Test
  void everyProblemIsReportedAtOnce() throws Exception {
    Path f = write("many.yaml", """
        router:
          max_attempts: -1
        models:
          m:
            strategy: round_robin
            fallbacks: [nope]
            deployments:
              - type: openai_compatible
              - type: demo
                timeouts: { first_byte_ms: -5 }
        """);
    assertInvalid(f, "router.max_attempts", "models.m.strategy", "round_robin", "models.m.fallbacks",
        "models.m.deployments[0].base_url", "models.m.deployments[1].timeouts.first_byte_ms");
  }

  @Test
  void connectionTimeoutsCapsAndMetricsAuthAreChecked() throws Exception {
    Path f = write("connections.yaml", """
        server:
          timeouts: { idle_ms: 0, header_read_ms: -1 }
          max_connections: -1
          max_connections_per_address: -5
        metrics:
          auth: { type: basic, token: "${%s:-}" }
        models:
          m:
            deployments: [{ type: demo }]
        """.formatted(UNSET));
    assertInvalid(f, "server.timeouts.idle_ms", "server.timeouts.header_read_ms", "server.max_connections:",
        "server.max_connections_per_address", "metrics.auth.type", "must be bearer", "metrics.auth.token");

    Path ok = write("connections-ok.yaml", """
        server:
          timeouts: { idle_ms: 5000, header_read_ms: 10000, body_read_ms: 120000 }
          max_connections: 0
          max_connections_per_address: 0
        metrics:
          auth: { type: bearer, token: a-long-scrape-token }
        models:
          m:
            deployments: [{ type: demo }]
        """);
    Run r = check(ok);
    assertThat(r.exit()).as(r.err()).isZero();
  }

  @Test
  void wrongTypeNamesTheField() throws Exception {
    Path f = write("type.yaml", """
        router:
          max_attempts: many
        models:
          m:
            deployments: [{ type: demo }]
        """);
    assertInvalid(f, "router.max_attempts");
  }

  @Test
  void brokenYamlAndMissingFile() throws Exception {
    Path f = write("broken.yaml", "models:\n  m: [unclosed\n");
    assertInvalid(f, "not valid YAML", "line");
    assertInvalid(dir.resolve("absent.yaml"), "file not found");
  }

  @Test
  void defaultsFromTheEnvironmentSyntaxPassTheCheck() throws Exception {
    Path f = write("defaults.yaml", """
        models:
          m:
            deployments:
              - type: openai_compatible
                base_url: http://${%1$s:-127.0.0.1}:${%1$s:-9}/v1
                api_key: ${%1$s:-dummy}
        """.formatted(UNSET));
    Run r = check(f);
    assertThat(r.exit()).as(r.err()).isZero();
  }

  @Test
  void interpolation() throws Exception {
    Map<String, String> env = Map.of("UPSTREAM_KEY", "sk-from-env", "EMPTY", "", "HOST", "10.0.0.7");
    Path f = write("interp.yaml", """
        clients:
          keys: ["${GATEWAY_KEY:-gw-default}", "$${NOT_A_VAR}"]
        models:
          m:
            deployments:
              - type: openai_compatible
                base_url: http://${HOST:-127.0.0.1}:${PORT:-8000}/v1
                api_key: ${UPSTREAM_KEY}
                headers: { x-team: "${EMPTY:-fallback-team}" }
        """);
    GatewayConfig c = new ConfigLoader(new EnvInterpolator(env::get)).load(f);

    assertThat(c.clients().keys()).containsExactly("gw-default", "${NOT_A_VAR}");
    var d = c.models().get("m").deployments().get(0);
    assertThat(d.baseUrl()).isEqualTo("http://10.0.0.7:8000/v1");
    assertThat(d.apiKey()).isEqualTo("sk-from-env");
    assertThat(d.headers()).containsEntry("x-team", "fallback-team"); // empty counts as unset
  }

  @Test
  void interpolationProblemsNameEachField() throws Exception {
    Path f = write("interp-bad.yaml", """
        models:
          m:
            deployments:
              - type: openai
                api_key: ${MISSING_ONE}
              - type: openai
                api_key: ${MISSING_TWO}
        """);
    List<String> problems = new ArrayList<>();
    try {
      new ConfigLoader(new EnvInterpolator(name -> null)).load(f);
    } catch (ConfigException e) {
      problems.addAll(e.problems());
    }
    assertThat(problems).containsExactly(
        "models.m.deployments[0].api_key: environment variable MISSING_ONE is not set",
        "models.m.deployments[1].api_key: environment variable MISSING_TWO is not set");
  }

  @Test
  void aKeyTwiceInOneMappingIsRefusedNotLastWins() throws Exception {
    Path nested = write("dup-nested.yaml", """
        server:
          port: 9000
          host: 127.0.0.1
          port: 9001
        models:
          m:
            deployments:
              - type: demo
        """);
    assertInvalid(nested, "Duplicate field 'port'", "line 4");
    Path top = write("dup-top.yaml", """
        models:
          m:
            deployments:
              - type: demo
        models:
          n:
            deployments:
              - type: demo
        """);
    assertInvalid(top, "Duplicate field 'models'");
  }
}
