package dev.portcullis.identity.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code auth:} of http, sse and openapi upstreams: checked before anything starts. */
class CredentialConfigTest {
  @TempDir
  Path dir;

  GatewayConfig load(String yaml) throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, yaml);
    return new ConfigLoader().load(f);
  }

  @Test
  void acceptsEveryTypeOnHttpServers() throws Exception {
    GatewayConfig c = load("""
        identity: { secrets_key: "0123456789abcdef0123456789abcdef" }
        mcp:
          servers:
            a: { type: http, url: "https://a.example/mcp", auth: { type: static, value: "Bearer x" } }
            b: { type: sse, url: "https://b.example/sse", auth: { type: bearer, token: t } }
            c: { type: http, url: "https://c.example/mcp", auth: { type: oauth_client_credentials,
                 issuer: "https://login.example", client_id: i, client_secret: s } }
            d: { type: http, url: "https://d.example/mcp", auth: { type: oauth_user,
                 authorization_url: "https://d.example/authorize", token_url: "https://d.example/token", client_id: i } }
            e: { type: http, url: "https://e.example/mcp", auth: { type: token_exchange,
                 token_url: "https://login.example/token", audience: e } }
        """);
    assertThat(c.mcp().servers().get("d").auth().perUser()).isTrue();
    assertThat(c.mcp().servers().get("c").auth().perUser()).isFalse();
  }

  @Test
  void refusesIncompleteCredentialsAndPerUserConnectionsWithoutASecretsKey() {
    assertThatThrownBy(() -> load("""
        mcp:
          servers:
            a: { type: http, url: "https://a.example/mcp", auth: { type: static } }
            b: { type: http, url: "https://b.example/mcp", auth: { type: oauth_user, client_id: i } }
            d: { type: http, url: "https://d.example/mcp", auth: { type: api_key, in: query, value: k } }
            e: { type: http, url: "https://e.example/mcp", auth: { type: magic } }
        """)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("mcp.servers.a.auth.value: required")
        .hasMessageContaining("mcp.servers.b.auth.token_url: required unless issuer is given")
        .hasMessageContaining("mcp.servers.b.auth: oauth_user needs identity.secrets_key")
        .hasMessageContaining("mcp.servers.d.auth.in: MCP servers take credentials in headers only")
        .hasMessageContaining("mcp.servers.e.auth.type: one of");
    // a stdio server has no auth field at all (it gets its secrets through env)
    assertThatThrownBy(() -> load("""
        mcp:
          servers:
            c: { type: stdio, command: x, auth: { type: bearer, token: t } }
        """)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("mcp.servers.c.auth: unknown field (expected one of [")
        .hasMessageContaining("env").hasMessageContaining("]) for type stdio");
  }
}
