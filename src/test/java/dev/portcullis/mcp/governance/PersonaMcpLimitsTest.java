package dev.portcullis.mcp.governance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Persona limits on the MCP surface (tool calls count against the persona's rpm and max_parallel,
 * whoever acts through it; a refusal is a JSON-RPC error naming the limit, audited), and
 * administrator approvals kept in the store: asked before a restart, approved and used after it.
 */
class PersonaMcpLimitsTest {
  static final String ADMIN = "lim-admin";
  static RecordingUpstream files;
  static Path dir;

  @BeforeAll
  static void upstream() throws Exception {
    files = new RecordingUpstream();
    dir = Files.createTempDirectory("mcp-persona-limits");
  }

  @AfterAll
  static void stop() throws Exception {
    files.close();
  }

  static GatewayHarness start(String db, String extra) throws Exception {
    return GatewayHarness.start("""
        clients:
          keys: [test-key, second-key]
        store:
          url: "jdbc:sqlite:%s"
        admin:
          key: %s
        audit:
          flush_ms: 50
        mcp:
          servers:
            files: { type: http, url: "%s" }
        personas:
          agent:
            tools: ["files__*"]
            keys: [config-key-1, config-key-2]
            limits: { rpm: 3 }
          single:
            tools: ["files__*"]
            keys: [config-key-1]
            limits: { max_parallel: 1 }
        %s
        """.formatted(dir.resolve(db), ADMIN, files.url(), extra));
  }

  static List<AuditEvent> audit(GatewayHarness gw, String target, String decision) throws Exception {
    gw.gateway().flushAudit();
    return gw.gateway().audit().repository().query(new AuditRepository.Filter("mcp", null, null, target, decision,
        null, null, null, null, null, null, null, 1000));
  }

  @Test
  void toolCallsCountAgainstThePersonasRequestsPerMinute() throws Exception {
    try (GatewayHarness gw = start("rpm.db", "")) {
      GovClient a = new GovClient(gw.baseUrl() + "/mcp", "test-key", "agent").initialize("{}");
      GovClient b = new GovClient(gw.baseUrl() + "/mcp", "second-key", "agent").initialize("{}");
      long before = files.calls().size();
      assertThat(GovClient.text(a.call("files__echo", "{\"text\":\"1\"}"))).isEqualTo("1");
      assertThat(GovClient.text(b.call("files__echo", "{\"text\":\"2\"}"))).isEqualTo("2");
      assertThat(GovClient.text(a.call("files__echo", "{\"text\":\"3\"}"))).isEqualTo("3");
      // the fourth call in the minute, by another caller through the same persona, is refused
      JsonNode refused = b.call("files__echo", "{\"text\":\"4\"}");
      assertThat(refused.path("error").path("code").asInt()).as(refused.toString()).isEqualTo(McpError.RATE_LIMITED);
      assertThat(refused.path("error").path("message").asText()).contains("persona 'agent'").contains("(RPM)");
      assertThat(refused.at("/error/data/limit").asText()).isEqualTo("rpm");
      assertThat(refused.at("/error/data/persona").asText()).isEqualTo("agent");
      assertThat(refused.at("/error/data/retry_after_ms").asLong()).isPositive();
      assertThat(files.calls().size() - before).isEqualTo(3); // the refused call never went upstream
      // lists are not calls; without the persona the caller's own (unlimited) rights apply
      assertThat(a.toolNames()).contains("files__echo");
      GovClient own = new GovClient(gw.baseUrl() + "/mcp", "test-key", null).initialize("{}");
      assertThat(GovClient.text(own.call("files__echo", "{\"text\":\"5\"}"))).isEqualTo("5");
      List<AuditEvent> events = audit(gw, "files/echo", "deny");
      assertThat(events).anySatisfy(e -> {
        assertThat(e.outcome()).isEqualTo("rate_limited");
        assertThat(e.reason()).contains("rpm");
        assertThat(e.persona()).isEqualTo("agent");
      });
    }
  }

  @Test
  void toolCallsInFlightAreCappedByMaxParallel() throws Exception {
    try (GatewayHarness gw = start("parallel.db", "")) {
      GovClient a = new GovClient(gw.baseUrl() + "/mcp", "test-key", "single").initialize("{}");
      GovClient b = new GovClient(gw.baseUrl() + "/mcp", "test-key", "single").initialize("{}");
      CountDownLatch arrived = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      files.onCall = call -> {
        if ("hold".equals(call.path("arguments").path("text").asText())) {
          arrived.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return "ok";
      };
      try {
        CompletableFuture<JsonNode> held = CompletableFuture.supplyAsync(() -> {
          try {
            return a.call("files__echo", "{\"text\":\"hold\"}");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
        JsonNode refused = b.call("files__echo", "{\"text\":\"second\"}");
        assertThat(refused.path("error").path("code").asInt()).as(refused.toString())
            .isEqualTo(McpError.RATE_LIMITED);
        assertThat(refused.at("/error/data/limit").asText()).isEqualTo("max_parallel");
        release.countDown();
        assertThat(GovClient.text(held.get(10, TimeUnit.SECONDS))).isEqualTo("hold");
        // the slot is given back when the call finishes
        assertThat(GovClient.text(b.call("files__echo", "{\"text\":\"after\"}"))).isEqualTo("after");
      } finally {
        release.countDown();
        files.onCall = null;
      }
    }
  }

  @Test
  void anApprovalAskedBeforeARestartIsApprovedAndUsedAfterIt() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, """
        rules:
          - name: mail-needs-approval
            when: "name == 'files__send_mail'"
            effect: require_approval
            reason: mail leaves the company
        """);
    String extra = "policy:\n  file: " + policy + "\n";
    String send = "{\"to\":\"boss\",\"body\":\"report\"}";
    String id;
    try (GatewayHarness gw = start("approvals.db", extra)) {
      JsonNode pending = new GovClient(gw.baseUrl() + "/mcp", "test-key", null).initialize("{}")
          .call("files__send_mail", send);
      assertThat(pending.path("error").path("code").asInt()).as(pending.toString())
          .isEqualTo(McpError.APPROVAL_REQUIRED);
      id = pending.at("/error/data/approval_id").asText();
      assertThat(id).startsWith("apr_");
    }
    try (GatewayHarness gw = start("approvals.db", extra)) {
      JsonNode list = admin(gw, "GET", "/admin/approvals?status=pending");
      assertThat(list.path("data")).anySatisfy(a -> assertThat(a.path("id").asText()).isEqualTo(id));
      GovClient c = new GovClient(gw.baseUrl() + "/mcp", "test-key", null).initialize("{}");
      // still pending after the restart: the retry names the same approval
      assertThat(c.call("files__send_mail", send).at("/error/data/approval_id").asText()).isEqualTo(id);
      assertThat(admin(gw, "POST", "/admin/approvals/" + id + "/approve").path("status").asText())
          .isEqualTo("approved");
      assertThat(GovClient.text(c.call("files__send_mail", send))).isEqualTo("sent to boss: report");
      // used once: the next identical call needs a new approval
      JsonNode again = c.call("files__send_mail", send);
      assertThat(again.path("error").path("code").asInt()).isEqualTo(McpError.APPROVAL_REQUIRED);
      assertThat(again.at("/error/data/approval_id").asText()).isNotEqualTo(id);
    }
  }

  static JsonNode admin(GatewayHarness gw, String method, String path) throws Exception {
    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("authorization", "Bearer " + ADMIN).method(method, HttpRequest.BodyPublishers.noBody()).build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return GovClient.JSON.readTree(r.body());
  }
}
