package dev.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.testing.GatewayHarness;
import java.nio.file.Files;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin REST API: its credential, key management, and usage reports (JSON and CSV). */
class AdminApiTest {
  static GatewayHarness gw;
  static AdminClient admin;

  @BeforeAll
  static void start() throws Exception {
    var dir = Files.createTempDirectory("portcullis-admin");
    gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        store:
          url: jdbc:sqlite:%s/p.db
        admin:
          key: the-admin
        """.formatted(dir));
    admin = new AdminClient(gw.baseUrl(), "the-admin");
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  @Test
  void adminCredentialIsRequired() throws Exception {
    assertThat(new AdminClient(gw.baseUrl(), null).call("GET", "/admin/keys", null).statusCode()).isEqualTo(401);
    assertThat(new AdminClient(gw.baseUrl(), "wrong").call("GET", "/admin/keys", null).statusCode()).isEqualTo(401);
    // the client key does not open the admin API
    assertThat(new AdminClient(gw.baseUrl(), GatewayHarness.KEY).call("GET", "/admin/keys", null).statusCode())
        .isEqualTo(401);
  }

  @Test
  void adminApiIsClosedWithoutAConfiguredKey() throws Exception {
    var dir = Files.createTempDirectory("portcullis-admin-off");
    try (GatewayHarness off = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        store:
          url: jdbc:sqlite:%s/p.db
        """.formatted(dir))) {
      var r = new AdminClient(off.baseUrl(), "anything").call("GET", "/admin/keys", null);
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("admin_disabled");
    }
  }

  @Test
  void keysAreManagedAndTheSecretIsShownOnce() throws Exception {
    JsonNode created = admin.ok("POST", "/admin/keys", """
        {"name":"crud","owner":"alice","team":"platform","models":["gpt-4o","demo"],"rpm":60,"tpm":100000,
         "max_parallel":4,"budget_usd":25,"budget_period":"monthly","expires":"30d","metadata":{"env":"dev"}}""");
    String secret = created.get("key").asText();
    assertThat(secret).startsWith(created.get("key_prefix").asText());
    assertThat(created.get("budget_usd").decimalValue()).isEqualByComparingTo("25");
    assertThat(created.get("budget_period").asText()).isEqualTo("monthly");
    assertThat(created.get("team_id").asText()).startsWith("team_");

    JsonNode shown = admin.ok("GET", "/admin/keys/crud", null);
    assertThat(shown.has("key")).isFalse();
    assertThat(shown.toString()).doesNotContain(secret.substring(10));
    assertThat(admin.ok("GET", "/admin/keys", null).get("data").toString()).contains("\"crud\"")
        .doesNotContain(secret);
    assertThat(admin.ok("GET", "/admin/teams", null).get("data").toString()).contains("platform");

    JsonNode patched = admin.ok("PATCH", "/admin/keys/crud", "{\"rpm\":120,\"tpm\":null}");
    assertThat(patched.get("rpm").asLong()).isEqualTo(120);
    assertThat(patched.get("tpm").isNull()).isTrue();

    assertThat(admin.call("POST", "/admin/keys", "{\"name\":\"crud\"}").statusCode()).isEqualTo(400);
    assertThat(admin.call("POST", "/admin/keys", "{\"name\":\"bad\",\"budget_period\":\"fortnightly\"}")
        .statusCode()).isEqualTo(400);
    assertThat(admin.call("POST", "/admin/keys", "{\"name\":\"bad\",\"rpm\":-1}").statusCode()).isEqualTo(400);
    var misspelt = admin.call("POST", "/admin/keys", "{\"name\":\"typo\",\"rpmm\":5}");
    assertThat(misspelt.statusCode()).as("a misspelt limit must not create an unlimited key").isEqualTo(400);
    assertThat(misspelt.body()).contains("rpmm");
    assertThat(admin.call("GET", "/admin/keys/typo", null).statusCode()).isEqualTo(404);
    assertThat(admin.call("PATCH", "/admin/teams/platform", "{\"budget\":5}").statusCode()).isEqualTo(400);

    admin.ok("DELETE", "/admin/keys/crud", null);
    assertThat(admin.call("GET", "/admin/keys/crud", null).statusCode()).isEqualTo(404);
  }

  @Test
  void usageIsReportedByKeyModelAndDayAndAsCsv() throws Exception {
    String key = admin.createKey("{\"name\":\"reporting\"}");
    String id = admin.ok("GET", "/admin/keys/reporting", null).get("id").asText();
    for (int i = 0; i < 3; i++) {
      gw.openAi(key).chat().completions().create(com.openai.models.chat.completions.ChatCompletionCreateParams
          .builder().model("demo").addUserMessage("report " + i).build());
    }
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    JsonNode report = admin.ok("GET", "/admin/usage?group_by=key,model,day&key=" + id + "&from=" + today
        + "&to=" + today, null);
    assertThat(report.get("data")).hasSize(1);
    JsonNode row = report.get("data").get(0);
    assertThat(row.get("key").asText()).isEqualTo(id);
    assertThat(row.get("model").asText()).isEqualTo("demo");
    assertThat(row.get("day").asText()).isEqualTo(today);
    assertThat(row.get("requests").asLong()).isEqualTo(3);
    assertThat(row.get("cost_usd").decimalValue().signum()).isPositive(); // the shipped price of demo

    var csv = admin.call("GET", "/admin/usage?group_by=key,day&format=csv&key=" + id, null);
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
    String[] lines = csv.body().split("\n");
    assertThat(lines[0]).isEqualTo(
        "key,day,requests,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,cost_usd");
    assertThat(lines[1]).startsWith(id + "," + today + ",3,");

    assertThat(admin.call("GET", "/admin/usage?group_by=colour", null).statusCode()).isEqualTo(400);
    assertThat(admin.call("GET", "/admin/usage?from=yesterday", null).statusCode()).isEqualTo(400);
  }
}
