package dev.portcullis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A model call and a tool call of the same caller are audited in one shape: the caller, key,
 * persona, client and trace fields come from one extraction and carry the same values.
 */
class OneAuditShapeTest {
  /** The fields about the caller and the call that every surface fills the same way. */
  private static final List<Function<AuditEvent, Object>> CALLER = List.of(AuditEvent::principal,
      AuditEvent::principalKind, AuditEvent::keyId, AuditEvent::persona, AuditEvent::clientIp);
  private static final List<Function<AuditEvent, Object>> PRESENT = List.of(AuditEvent::id, AuditEvent::surface,
      AuditEvent::action, AuditEvent::target, AuditEvent::decision, AuditEvent::outcome, AuditEvent::latencyMs,
      AuditEvent::requestId, AuditEvent::sessionId, AuditEvent::clientApp, AuditEvent::hash);

  @Test
  void aModelCallAndAToolCallOfOneCallerHaveTheSameShape() throws Exception {
    Path dir = Files.createTempDirectory("audit-shape");
    try (GatewayHarness gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
        store:
          url: "jdbc:sqlite:%s"
        audit:
          flush_ms: 50
        personas:
          researcher:
            models: [demo]
            tools: [ { match: "demo__*" } ]
            keys: [config-key-1]
        mcp:
          servers:
            demo: { type: builtin }
        """.formatted(dir.resolve("g.db")))) {
      HttpResponse<String> model = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
          .header("content-type", "application/json").header("authorization", "Bearer " + GatewayHarness.KEY)
          .header("x-portcullis-persona", "researcher").header("x-session-id", "s-1")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build());
      assertThat(model.statusCode()).as(model.body()).isEqualTo(200);
      McpTestClient mcp = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY)
          .header("x-portcullis-persona", "researcher");
      mcp.initialize("2025-11-25");
      assertThat(McpTestClient.text(mcp.callTool("demo__echo", "{\"text\":\"hi\"}"))).contains("hi");

      AuditRepository repo = gw.gateway().audit().repository();
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        gw.gateway().flushAudit();
        return !events(repo, "llm").isEmpty() && events(repo, "mcp").stream()
            .anyMatch(e -> "completed".equals(e.phase()));
      });
      AuditEvent llm = events(repo, "llm").get(0);
      AuditEvent tool = events(repo, "mcp").stream().filter(e -> "completed".equals(e.phase())).findFirst()
          .orElseThrow();

      assertThat(llm.keyId()).isEqualTo("config-key-1"); // null on model calls before one extraction
      assertThat(llm.principalKind()).isEqualTo("static_key");
      assertThat(llm.persona()).isEqualTo("researcher");
      for (Function<AuditEvent, Object> f : CALLER) {
        assertThat(f.apply(llm)).isNotNull().isEqualTo(f.apply(tool));
      }
      for (Function<AuditEvent, Object> f : PRESENT) {
        assertThat(f.apply(llm)).isNotNull();
        assertThat(f.apply(tool)).isNotNull();
      }

      // refused before any stage ran (the body, the route): still one event each, same caller fields
      assertThat(gw.post("/v1/chat/completions", "{\"model\":").statusCode()).isEqualTo(400);
      assertThat(gw.post("/v1/no/such/route", "{}").statusCode()).isEqualTo(404);
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        gw.gateway().flushAudit();
        return events(repo, "llm").stream().filter(e -> "refused".equals(e.outcome())).count() == 2;
      });
      assertThat(events(repo, "llm").stream().filter(e -> "refused".equals(e.outcome())))
          .allSatisfy(e -> {
            assertThat(e.decision()).isEqualTo("deny");
            assertThat(e.keyId()).isEqualTo("config-key-1");
          })
          .extracting(AuditEvent::status).containsExactlyInAnyOrder(400, 404);
    }
  }

  private static List<AuditEvent> events(AuditRepository repo, String surface) {
    return repo.query(new AuditRepository.Filter(surface, null, null, null, null, null, null, null, null, null,
        null, null, 10));
  }
}
