package dev.portcullis.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Gateway;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.config.ConfigLoader;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's configuration page: the running configuration with every secret masked, the
 * personas and policy rules as read, and the outcome of the last reload, applied or rejected.
 */
class ConsoleConfigTest {
  static final String ADMIN = "config-page-admin-key-1";
  static final String READER = "config-page-reader-key-1";
  /** Every secret the configuration holds; none may reach the page. */
  static final List<String> SECRETS = List.of(ADMIN, READER, "client-key-secret-1", "sk-provider-secret-1",
      "db-password-secret-1", "upstream-token-secret-1", "env-secret-1", "webhook-secret-1", "url-password-1",
      "openapi-value-secret-1");

  @TempDir
  static Path dir;
  static Path file;
  static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    Files.writeString(dir.resolve("policy.yaml"), """
        labels:
          money: ["crm__refund*"]
        rules:
          - name: no-refunds-at-night
            when: "'money' in labels && time.getHours() < 6"
            effect: deny
            reason: refunds wait for the morning
        default: allow
        """);
    Files.writeString(dir.resolve("openapi.yaml"), """
        openapi: 3.0.0
        info: { title: t, version: "1" }
        paths: {}
        """);
    file = dir.resolve("portcullis.yaml");
    Files.writeString(file, config("gpt-4o-mini"));
    gateway = Gateway.start(file, new ConfigLoader().load(file), 0, 1);
  }

  static String config(String model) {
    return """
        models:
          demo:
            deployments:
              - type: demo
          paid:
            deployments:
              - { type: openai, base_url: "https://user:url-password-1@api.example.com/v1", api_key: sk-provider-secret-1, model: %s }
        clients:
          keys: [client-key-secret-1]
        store:
          url: jdbc:sqlite:%s/p.db
          password: db-password-secret-1
        admin:
          key: %s
          read_only_keys: [%s]
        personas:
          analyst:
            description: Reads dashboards
            models: [demo]
        policy:
          file: policy.yaml
        mcp:
          servers:
            remote:
              type: http
              url: http://127.0.0.1:9/mcp
              headers: { authorization: "Bearer upstream-token-secret-1" }
            tool:
              type: stdio
              command: /bin/true
              env: { API_TOKEN: env-secret-1 }
            api:
              type: openapi
              spec: openapi.yaml
              base_url: https://api.example.com
              auth: { type: api_key, in: header, name: x-api-key, value: openapi-value-secret-1 }
        audit:
          webhook: { url: "https://audit.example.com/in", secret: webhook-secret-1 }
        """.formatted(model, dir, ADMIN, READER);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static String base() {
    return "http://127.0.0.1:" + gateway.port();
  }

  @Test
  void theRunningConfigurationIsShownWithEverySecretMasked() throws Exception {
    ConsoleClient c = new ConsoleClient(base());
    c.signIn(READER);
    HttpResponse<String> r = c.get("/ui/config");
    assertThat(r.statusCode()).isEqualTo(200);
    String page = r.body();
    assertThat(page).contains("id=\"running-config\"").contains("api.example.com").contains("model: gpt-4")
        .contains(MaskedConfig.MASK);
    for (String secret : SECRETS) {
      assertThat(page).as(secret).doesNotContain(secret);
    }
    // personas and policy rules as read
    assertThat(page).contains("data-persona=\"analyst\"").contains("Reads dashboards")
        .contains("no-refunds-at-night").contains("refunds wait for the morning").contains("crm__refund*");
  }

  @Test
  void theLastReloadSaysWhatChangedOrWhyItWasRejected() throws Exception {
    AdminClient admin = new AdminClient(base(), ADMIN);
    ConsoleClient c = new ConsoleClient(base());
    c.signIn(ADMIN);

    Files.writeString(file, config("gpt-4.1-mini"));
    assertThat(admin.call("POST", "/admin/config/reload", null).statusCode()).isIn(200, 422, 400);
    String applied = c.get("/ui/config").body();
    assertThat(applied).contains("id=\"last-reload\"").contains("class=\"ok\">applied</strong>")
        .contains("gpt-4.1-mini");

    Files.writeString(file, "models: [not, a, map]\n");
    assertThat(admin.call("POST", "/admin/config/reload", null).statusCode()).isIn(200, 422, 400);
    String rejected = c.get("/ui/config").body();
    assertThat(rejected).contains("class=\"error\">rejected</strong>").contains("gpt-4.1-mini");
    for (String secret : SECRETS) {
      assertThat(rejected).as(secret).doesNotContain(secret);
    }
  }

  @Test
  void unpasswordedCutsPasswordsOutOfUrls() {
    assertThat(MaskedConfig.unpassworded("jdbc:postgresql://db:5432/p?user=p&password=hunter2&ssl=true"))
        .isEqualTo("jdbc:postgresql://db:5432/p?user=p&password=" + MaskedConfig.MASK + "&ssl=true");
    assertThat(MaskedConfig.unpassworded("redis://:hunter2@cache:6379")).isEqualTo("redis://:" + MaskedConfig.MASK
        + "@cache:6379");
    assertThat(MaskedConfig.unpassworded("https://example.com/a")).isEqualTo("https://example.com/a");
  }
}
