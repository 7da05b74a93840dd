package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testing.Cli;
import dev.portcullis.testing.Cli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deployments are one type per provider: {@code config check} names a missing or unknown type with
 * the valid ones, refuses a field the provider does not have (instead of ignoring it), and checks
 * each provider's own required fields; a valid deployment of every type loads.
 */
class DeploymentTypesTest {
  static final String TYPES = "[openai, openai_compatible, azure, anthropic, gemini, bedrock, demo]";

  @TempDir
  Path dir;

  Run check(String deployment) throws Exception {
    Path f = dir.resolve("portcullis.yaml");
    Files.writeString(f, "clients: { keys: [k] }\nmodels:\n  m:\n    deployments:\n      - " + deployment + "\n");
    return Cli.run("config", "check", f.toString());
  }

  @Test
  void aMissingTypeListsTheValidOnes() throws Exception {
    Run r = check("{ name: d, model: x }");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("models.m.deployments[0].type: required (one of " + TYPES + ")");
  }

  @Test
  void anUnknownTypeListsTheValidOnes() throws Exception {
    Run r = check("{ name: d, type: open-ai }");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("models.m.deployments[0].type: unknown provider type 'open-ai' (expected one of "
        + TYPES + ")");
  }

  @Test
  void aFieldOfAnotherProviderIsRefusedNotIgnored() throws Exception {
    Run r = check("{ name: d, type: openai, region: us-east-1 }");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("models.m.deployments[0].region: unknown field (expected one of [")
        .contains("api_key").doesNotContain("access_key_id");
  }

  @Test
  void eachProviderChecksItsOwnFields() throws Exception {
    Run bedrock = check("{ name: d, type: bedrock, region: us-east-1, model: anthropic.claude }");
    assertThat(bedrock.exit()).isEqualTo(2);
    assertThat(bedrock.err()).contains("models.m.deployments[0].access_key_id: required for bedrock")
        .contains("models.m.deployments[0].secret_access_key: required for bedrock");
    Run compatible = check("{ name: d, type: openai_compatible }");
    assertThat(compatible.exit()).isEqualTo(2);
    assertThat(compatible.err()).contains("models.m.deployments[0].base_url: required");
  }

  @Test
  void aValidDeploymentOfEveryTypeLoads() throws Exception {
    for (String d : new String[] {
        "{ name: a, type: openai, api_key: k, model: gpt-4o }",
        "{ name: a, type: openai_compatible, base_url: \"http://127.0.0.1:9/v1\" }",
        "{ name: a, type: azure, base_url: \"https://x.openai.azure.com\", deployment: d, api_version: v, api_key: k }",
        "{ name: a, type: anthropic, api_key: k, anthropic_version: \"2023-06-01\" }",
        "{ name: a, type: gemini, api_key: k }",
        "{ name: a, type: bedrock, region: us-east-1, access_key_id: a, secret_access_key: s, model: m }",
        "{ name: a, type: demo }"}) {
      Run r = check(d);
      assertThat(r.exit()).as(d + ": " + r.err()).isZero();
    }
  }
}
