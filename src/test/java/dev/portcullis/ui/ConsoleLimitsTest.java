package dev.portcullis.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's bounds under admin.console: rows a page and a download hold, days a report spans, its rate limit. */
class ConsoleLimitsTest {
  static final String ADMIN = "limits-admin-key";
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    var dir = Files.createTempDirectory("portcullis-console-limits");
    gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        store:
          url: jdbc:sqlite:%s/p.db
        admin:
          key: %s
          console:
            page_rows: 1
            csv_rows: 1
            max_range_days: 7
            requests_per_minute: 40
        """.formatted(dir, ADMIN));
    AdminClient admin = new AdminClient(gw.baseUrl(), ADMIN);
    for (String name : new String[] {"limits-a", "limits-b"}) {
      gw.openAi(admin.createKey("{\"name\":\"" + name + "\"}")).chat().completions().create(
          ChatCompletionCreateParams.builder().model("demo").addUserMessage("hi").build());
    }
    // a call's usage row is written when its settlement ends, just after the client has its answer
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
      gw.gateway().flushUsage();
      return admin.ok("GET", "/admin/usage?group_by=key", null).get("data").size() == 2;
    });
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  @Test
  void pagesDownloadsAndRangesKeepToTheConfiguredBoundsAndTheRateLimitToItsOwn() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    c.signIn(ADMIN);
    String page = c.get("/ui/usage?group_by=key").body();
    assertThat(page).contains("id=\"usage-cut\"").contains("The first 1 groups are shown");
    assertThat(page.split("data-label=\"key\">key_", -1)).hasSize(2); // one row

    HttpResponse<String> csv = c.get("/ui/usage.csv?group_by=key");
    assertThat(csv.headers().firstValue("x-portcullis-truncated")).hasValue("first 1 groups");
    assertThat(csv.body().lines().count()).isEqualTo(2); // the header and one group

    HttpResponse<String> wide = c.get("/ui/usage?from=2026-01-01&to=2026-01-08");
    assertThat(wide.statusCode()).isEqualTo(400);
    assertThat(wide.body()).contains("at most 7 days");

    int status = 200;
    for (int i = 0; i < 45 && status != 429; i++) {
      status = c.get("/ui/overview/numbers").statusCode();
    }
    assertThat(status).isEqualTo(429);
    HttpResponse<String> limited = c.get("/ui/overview");
    assertThat(limited.headers().firstValue("retry-after")).isPresent();
    // the data plane keeps its own limits
    assertThat(gw.get("/v1/models").statusCode()).isEqualTo(200);
  }

  @Test
  void boundsOutsideTheirCeilingsAreConfigurationErrors() throws Exception {
    Path file = Files.createTempFile("portcullis-console-limits", ".yaml");
    Files.writeString(file, """
        models: { demo: { deployments: [ { type: demo } ] } }
        admin:
          key: k
          console: { page_rows: 0, csv_rows: 2000000, session_idle_seconds: -1 }
        """);
    assertThatThrownBy(() -> new ConfigLoader().load(file)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.console.page_rows: must be between 1 and 5000, got 0")
        .hasMessageContaining("admin.console.csv_rows: must be between 1 and 1000000")
        .hasMessageContaining("admin.console.session_idle_seconds");
  }
}
