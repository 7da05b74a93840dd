package dev.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authorization server's configuration refusals and its redirect URI and store rules, unit-level. */
class AuthorizationServerConfigTest {
  @TempDir
  Path dir;

  @Test
  void badAuthorizationServerSettingsAreReportedWithTheirField() throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, """
        models:
          demo: { deployments: [ { type: demo } ] }
        identity:
          authorization_server:
            upstream: { issuer: "not a url", client_id: x }
            access_token_seconds: 0
            clients:
              - { client_id: bot, client_secret: short }
              - { client_id: "https://x.example/c", client_secret: "0123456789abcdef" }
        """);
    assertThatThrownBy(() -> new ConfigLoader().load(f)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("authorization_server.upstream.issuer")
        .hasMessageContaining("access_token_seconds")
        .hasMessageContaining("clients[0]: client_id and a client_secret of at least 16")
        .hasMessageContaining("clients[1].client_id");
  }

  @Test
  void redirectUriRules() {
    assertThat(ClientRegistry.redirectProblem("https://app.example.com/cb")).isNull();
    assertThat(ClientRegistry.redirectProblem("http://127.0.0.1:4321/cb")).isNull();
    assertThat(ClientRegistry.redirectProblem("http://localhost/cb")).isNull();
    assertThat(ClientRegistry.redirectProblem("vscode://vscode.github-authentication/did-authenticate")).isNull();
    assertThat(ClientRegistry.redirectProblem("http://app.example.com/cb")).contains("loopback");
    assertThat(ClientRegistry.redirectProblem("https://app.example.com/cb#x")).contains("fragment");
    assertThat(ClientRegistry.redirectProblem("javascript:alert(1)")).contains("forbidden");
    assertThat(ClientRegistry.redirectProblem("data:text/html,x")).contains("forbidden");
    assertThat(ClientRegistry.redirectProblem("/relative")).isNotNull();
  }

  @Test
  void memoryStoreConsumesOnceAndForgetsExpiredItems() {
    MemoryOAuthStore s = new MemoryOAuthStore();
    s.put("code", "a", "data", System.currentTimeMillis() + 60_000);
    assertThat(s.consume("code", "a").consumed()).isFalse();
    assertThat(s.consume("code", "a").consumed()).isTrue();
    s.put("code", "old", "data", System.currentTimeMillis() - 1);
    assertThat(s.get("code", "old")).isNull();
    assertThat(s.consume("code", "old")).isNull();
    assertThat(s.putIfAbsent("k", "1", "first", Long.MAX_VALUE)).isEqualTo("first");
    assertThat(s.putIfAbsent("k", "1", "second", Long.MAX_VALUE)).isEqualTo("first");
  }
}
