package dev.portcullis.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identity, personas and policy sections: defaults and refusals of unsafe settings. */
class IdentityConfigTest {
  @TempDir
  Path dir;

  GatewayConfig load(String yaml) throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, "models:\n  demo: { deployments: [ { type: demo } ] }\n" + yaml);
    return new ConfigLoader().load(f);
  }

  @Test
  void symmetricAndNoneAlgorithmsAreRefused() {
    assertThatThrownBy(() -> load("""
        identity:
          issuers: [ { issuer: "https://idp.example.com", algorithms: [HS256, none] } ]
        """)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'HS256' is not accepted").hasMessageContaining("'none' is not accepted");
  }

  @Test
  void badValuesAreReportedWithTheirField() {
    assertThatThrownBy(() -> load("""
        identity:
          resource: "ftp://x"
          issuers: [ { issuer: "not a url" } ]
        personas:
          "bad name!": { tools: [ { server: nosuch, match: "*" } ] }
        """)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("identity.resource").hasMessageContaining("identity.issuers[0].issuer")
        .hasMessageContaining("unknown MCP server 'nosuch'").hasMessageContaining("persona names");
  }

  @Test
  void defaultsAreLeastPrivilegeAndTokensOff() throws Exception {
    GatewayConfig c = load("personas:\n  p: { keys: [config-key-1] }\n");
    assertThat(c.identity().tokensEnabled()).isFalse();
    assertThat(c.identity().llmRoutes()).isFalse();
    assertThat(c.identity().fetch().allowPrivateNetworks()).isFalse();
    assertThat(c.personas().get("p").models()).isEmpty();
    assertThat(new Persona("p", c.personas().get("p")).allowsModel("demo")).isFalse();
    assertThat(c.policy().personaHeader()).isEqualTo("x-portcullis-persona");
  }
}
