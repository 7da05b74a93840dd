package dev.portcullis.mcp.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tool calls count against the same scopes as model calls (issue 12, item 3), through the MCP
 * surface: a virtual key's RPM is shared by its model calls and its tool calls; a team budget
 * spent by model calls refuses tool calls; a tool's price spends a key's budget and shows in the
 * usage report; a tool rule limits matching tools across callers. Every refusal is a JSON-RPC
 * error whose data names the limit and the scope, audited, and never reaches the upstream.
 */
class ToolCallLimitsTest {
  static final String ADMIN = "tool-limits-admin";

  RecordingUpstream files;
  FakeOpenAiUpstream fake;
  GatewayHarness gw;
  AdminClient admin;

  @BeforeEach
  void start() throws Exception {
    files = new RecordingUpstream();
    fake = FakeOpenAiUpstream.start();
    Path dir = Files.createTempDirectory("tool-call-limits");
    // $1000 per million tokens: a token costs $0.001
    gw = GatewayHarness.start("""
        models:
          gpt-test:
            deployments:
              - { type: openai_compatible, base_url: "%s" }
        pricing:
          models:
            gpt-test: { input: 1000, output: 1000 }
        store:
          url: "jdbc:sqlite:%s/t.db"
          flush_ms: 50
        admin:
          key: %s
        audit:
          flush_ms: 50
        server:
          access_log: false
        mcp:
          servers:
            files:
              type: http
              url: "%s"
              cost_usd: 0.001
              tool_cost_usd: { "send_*": 0.02 }
        limits:
          tools:
            - { match: "files__read*", rpm: 2 }
        """.formatted(fake.baseUrl(), dir, ADMIN, files.url()));
    admin = new AdminClient(gw.baseUrl(), ADMIN);
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    fake.close();
    files.close();
  }

  GovClient mcp(String key) throws Exception {
    return new GovClient(gw.baseUrl() + "/mcp", key, null).initialize("{}");
  }

  HttpResponse<String> chat(String key) throws Exception {
    return gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
        .header("authorization", "Bearer " + key).header("content-type", "application/json")
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"gpt-test\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
        .build());
  }

  String keyId(String name) throws Exception {
    return admin.ok("GET", "/admin/keys/" + name, null).get("id").asText();
  }

  static void assertRefused(JsonNode r, int code, String limit, String scope, String subject) {
    assertThat(r.path("error").path("code").asInt()).as(r.toString()).isEqualTo(code);
    JsonNode data = r.path("error").path("data");
    assertThat(data.path("limit").asText()).as(r.toString()).isEqualTo(limit);
    assertThat(data.path("scope").asText()).isEqualTo(scope);
    assertThat(data.path("subject").asText()).isEqualTo(subject);
    assertThat(data.path(scope).asText()).isEqualTo(subject);
    assertThat(r.path("result").isMissingNode()).isTrue();
  }

  List<AuditEvent> refusals(String target) throws Exception {
    gw.gateway().flushAudit();
    return gw.gateway().audit().repository().query(new AuditRepository.Filter("mcp", null, null, target, "deny",
        null, null, null, null, null, null, null, 1000));
  }

  @Test
  void aKeysRequestsPerMinuteCountModelCallsAndToolCallsAlike() throws Exception {
    String key = admin.createKey("{\"name\":\"rpm-key\",\"rpm\":3}");
    GovClient c = mcp(key);
    assertThat(chat(key).statusCode()).isEqualTo(200);
    assertThat(GovClient.text(c.call("files__echo", "{\"text\":\"1\"}"))).isEqualTo("1");
    assertThat(GovClient.text(c.call("files__echo", "{\"text\":\"2\"}"))).isEqualTo("2");
    int before = files.calls().size();

    JsonNode refused = c.call("files__echo", "{\"text\":\"3\"}");

    assertRefused(refused, McpError.RATE_LIMITED, "rpm", "key", keyId("rpm-key"));
    assertThat(refused.path("error").path("message").asText()).contains("this API key").contains("(RPM)");
    assertThat(refused.at("/error/data/retry_after_ms").asLong()).isPositive();
    assertThat(files.calls()).hasSize(before); // never went upstream
    // and the other way round: the key's model calls are refused too, its minute is used up
    assertThat(chat(key).statusCode()).isEqualTo(429);
    assertThat(refusals("files/echo")).anySatisfy(e -> {
      assertThat(e.outcome()).isEqualTo("rate_limited");
      assertThat(e.policyId()).isEqualTo("key-limits");
      assertThat(e.reason()).contains("rpm");
    });
  }

  @Test
  void aTeamBudgetSpentByModelCallsRefusesToolCalls() throws Exception {
    admin.ok("POST", "/admin/teams", "{\"name\":\"crew\",\"budget_usd\":0.05}");
    String key = admin.createKey("{\"name\":\"crew-key\",\"team\":\"crew\"}");
    String team = admin.ok("GET", "/admin/keys/crew-key", null).get("team_id").asText();
    GovClient c = mcp(key);
    assertThat(GovClient.text(c.call("files__echo", "{\"text\":\"before\"}"))).isEqualTo("before");
    // a model call that fits its reservation, then reports 200 tokens ($0.2): the team is spent out
    fake.enqueue(FakeOpenAiUpstream.status(200, """
        {"id":"c1","object":"chat.completion","created":1,"model":"gpt-test","choices":[{"index":0,
         "message":{"role":"assistant","content":"long"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":100,"completion_tokens":100,"total_tokens":200}}""",
        Map.of("content-type", "application/json")));
    assertThat(chat(key).statusCode()).isEqualTo(200);
    int before = files.calls().size();

    JsonNode refused = c.call("files__echo", "{\"text\":\"after\"}");

    assertRefused(refused, McpError.BUDGET_EXCEEDED, "budget_usd", "team", team);
    assertThat(refused.path("error").path("message").asText()).contains("Budget exceeded for team 'crew'");
    assertThat(files.calls()).hasSize(before);
    assertThat(refusals("files/echo")).anySatisfy(e -> assertThat(e.outcome()).isEqualTo("budget_exceeded"));
  }

  @Test
  void aPricedToolSpendsTheKeysBudgetAndShowsInTheUsageReport() throws Exception {
    String key = admin.createKey("{\"name\":\"mailer\",\"budget_usd\":0.05}");
    GovClient c = mcp(key);
    String mail = "{\"to\":\"boss\",\"body\":\"report\"}";
    assertThat(GovClient.text(c.call("files__send_mail", mail))).isEqualTo("sent to boss: report");
    assertThat(GovClient.text(c.call("files__send_mail", mail))).isEqualTo("sent to boss: report");
    assertThat(GovClient.text(c.call("files__echo", "{\"text\":\"cheap\"}"))).isEqualTo("cheap");

    // $0.041 spent: a third mail ($0.02) does not fit in $0.05, the $0.001 echo still does
    JsonNode refused = c.call("files__send_mail", mail);
    assertRefused(refused, McpError.BUDGET_EXCEEDED, "budget_usd", "key", keyId("mailer"));
    assertThat(refused.path("error").path("message").asText()).contains("needs $0.02 reserved for its price");
    assertThat(GovClient.text(c.call("files__echo", "{\"text\":\"still\"}"))).isEqualTo("still");

    JsonNode spend = admin.ok("GET", "/admin/keys/mailer", null).get("spend");
    assertThat(spend.get("total_usd").decimalValue()).isEqualByComparingTo("0.042");
    assertThat(spend.get("reserved_usd").decimalValue()).isZero();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode report = admin.ok("GET", "/admin/usage?group_by=tool&key=" + keyId("mailer"), null);
      assertThat(report.get("total_cost_usd").decimalValue()).isEqualByComparingTo("0.042");
      assertThat(report.get("data")).anySatisfy(row -> {
        assertThat(row.get("tool").asText()).isEqualTo("files__send_mail");
        assertThat(row.get("requests").asLong()).isEqualTo(2);
        assertThat(row.get("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.04"));
      });
    });
  }

  @Test
  void aToolRuleLimitsMatchingToolsAcrossCallersAndNoOthers() throws Exception {
    GovClient a = mcp(admin.createKey("{\"name\":\"reader-a\"}"));
    GovClient b = mcp(admin.createKey("{\"name\":\"reader-b\"}"));
    assertThat(GovClient.text(a.call("files__read_secret", "{\"key\":\"x\"}"))).contains("secret for x");
    assertThat(GovClient.text(b.call("files__read_secret", "{\"key\":\"y\"}"))).contains("secret for y");
    int before = files.calls().size();

    JsonNode refused = a.call("files__read_secret", "{\"key\":\"z\"}");

    assertRefused(refused, McpError.RATE_LIMITED, "rpm", "tool", "files__read*");
    assertThat(refused.path("error").path("message").asText()).contains("tool rule 'files__read*' (tools/call)");
    assertThat(files.calls()).hasSize(before);
    assertThat(GovClient.text(a.call("files__echo", "{\"text\":\"other tools\"}"))).isEqualTo("other tools");
  }
}
