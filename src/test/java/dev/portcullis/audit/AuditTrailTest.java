package dev.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.store.Store;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hash-chained audit trail: every LLM call (and every refusal) audited with who, what and
 * the guard's findings; readable through the admin API with filters and paging; exported to a
 * rotated JSON-lines file; and any edit, deletion or insertion made behind the gateway's back
 * is detected by verify (admin endpoint and CLI).
 */
class AuditTrailTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static AuditEvent event(int i) {
    return AuditEvent.builder("id-" + i, "call", "llm").action("chat_completions").target("gpt-x")
        .who("user-" + (i % 3), "static_key", null, null).outcome("ok", 200, 12L).tokens(10L, 5L, null).build();
  }

  static Store store(Path dir) {
    return Store.open(new GatewayConfig.StoreConfig("jdbc:sqlite:" + dir.resolve("a.db"), null, null, null, null,
        null, null));
  }

  @Test
  void tamperingIsDetected() throws Exception {
    Path dir = Files.createTempDirectory("audit-tamper");
    try (Store store = store(dir)) {
      AuditRepository repo = new AuditRepository(store.dataSource(), true);
      try (AuditWriter w = TestKeys.writer(repo, 50, 1000)) {
        for (int i = 1; i <= 20; i++) {
          w.record(event(i));
        }
        assertThat(w.commit(event(21)).get().seq()).isEqualTo(21); // write-ahead: committed when it completes
      }
      ChainVerifier verifier = TestKeys.verifier(repo);
      assertThat(verifier.verify(List.of()).ok()).isTrue();
      assertThat(verifier.verify(List.of()).events()).isEqualTo(21);

      sql(store, "UPDATE audit_events SET principal = 'someone-else' WHERE seq = 7");
      ChainVerifier.Report v = verifier.verify(List.of());
      assertThat(v.ok()).isFalse();
      assertThat(v.brokenAt()).isEqualTo(7);
      assertThat(v.intactTo()).isEqualTo(6);
      assertThat(v.problem()).contains("changed");
      sql(store, "UPDATE audit_events SET principal = 'user-1' WHERE seq = 7");
      assertThat(verifier.verify(List.of()).ok()).isTrue();

      sql(store, "DELETE FROM audit_events WHERE seq = 12");
      assertThat(verifier.verify(List.of()).brokenAt()).isEqualTo(12);
    }
    Path dir2 = Files.createTempDirectory("audit-tail");
    try (Store store = store(dir2)) {
      AuditRepository repo = new AuditRepository(store.dataSource(), true);
      repo.append(List.of(event(1), event(2), event(3)), TestKeys.CHAIN);
      sql(store, "DELETE FROM audit_events WHERE seq = 3"); // cutting off the end
      assertThat(TestKeys.verifier(repo).verify(List.of()).problem()).contains("removed from the end");
    }
  }

  @Test
  void jsonLinesFileRotates() throws Exception {
    Path dir = Files.createTempDirectory("audit-file");
    Path file = dir.resolve("audit.jsonl");
    try (JsonLinesFileSink sink = new JsonLinesFileSink(file, 1000, 2)) {
      for (int i = 1; i <= 30; i++) {
        sink.accept(List.of(event(i).chained(i, AuditEvent.GENESIS, ChainDigest.keyed(TestKeys.CHAIN))));
      }
    }
    assertThat(Files.exists(dir.resolve("audit.jsonl.1"))).isTrue();
    assertThat(Files.exists(dir.resolve("audit.jsonl.2"))).isTrue();
    assertThat(Files.exists(dir.resolve("audit.jsonl.3"))).isFalse();
    List<String> last = Files.readAllLines(file);
    assertThat(Files.size(file)).isLessThanOrEqualTo(1000);
    JsonNode e = JSON.readTree(last.get(last.size() - 1));
    assertThat(e.get("id").asText()).isEqualTo("id-30");
    assertThat(e.get("hash").asText()).hasSize(64);
    assertThat(e.has("cost_nanos")).isFalse(); // nulls are left out
  }

  @Test
  void llmCallsAreAuditedAndQueryableThroughTheAdminApi() throws Exception {
    Path dir = Files.createTempDirectory("audit-llm");
    try (FakeOpenAiUpstream fake = FakeOpenAiUpstream.start();
        GatewayHarness gw = GatewayHarness.start("""
            models:
              gpt-a:
                deployments:
                  - type: openai_compatible
                    base_url: %s
            store:
              url: "jdbc:sqlite:%s"
            admin:
              key: audit-admin
            audit:
              flush_ms: 50
              file:
                path: %s
            guard:
              rules:
                - name: no-cards
                  detectors: [credit_card]
                  action: block
                - name: redact-mail
                  detectors: [email]
                  action: redact
            """.formatted(fake.baseUrl(), dir.resolve("g.db"), dir.resolve("audit.jsonl")))) {
      for (int i = 0; i < 5; i++) {
        assertThat(gw.post("/v1/chat/completions", "{\"model\":\"gpt-a\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"mail me at bob@example.com\"}]}").statusCode()).isEqualTo(200);
      }
      assertThat(gw.post("/v1/chat/completions", "{\"model\":\"gpt-a\",\"messages\":[{\"role\":\"user\","
          + "\"content\":\"card 4111 1111 1111 1111\"}]}").statusCode()).isEqualTo(400);
      Thread.sleep(100);
      gw.gateway().flushAudit();

      JsonNode page1 = admin(gw, "/admin/audit?limit=4");
      assertThat(page1.get("data")).hasSize(4);
      JsonNode blocked = page1.get("data").get(0);
      assertThat(blocked.get("decision").asText()).isEqualTo("deny");
      assertThat(blocked.get("reason").asText()).contains("CREDIT_CARD");
      assertThat(blocked.get("policy_id").asText()).isEqualTo("no-cards");
      assertThat(blocked.get("guard_findings").asText()).isEqualTo("CREDIT_CARD");
      assertThat(blocked.get("status").asInt()).isEqualTo(400);
      JsonNode ok = page1.get("data").get(1);
      assertThat(ok.get("surface").asText()).isEqualTo("llm");
      assertThat(ok.get("target").asText()).isEqualTo("gpt-a");
      assertThat(ok.get("principal").asText()).isEqualTo("config-key-1");
      assertThat(ok.get("client_ip").asText()).isEqualTo("127.0.0.1");
      assertThat(ok.get("guard_findings").asText()).isEqualTo("EMAIL");
      assertThat(ok.get("outcome").asText()).isEqualTo("ok");
      assertThat(ok.get("prompt_tokens").asLong()).isPositive();

      JsonNode page2 = admin(gw, "/admin/audit?limit=4&cursor=" + page1.get("next_cursor").asLong());
      assertThat(page2.get("data")).hasSize(2);
      assertThat(page2.get("next_cursor").isNull()).isTrue();
      assertThat(admin(gw, "/admin/audit?decision=deny").get("data")).hasSize(1);
      assertThat(admin(gw, "/admin/audit/verify").get("ok").asBoolean()).isTrue();
      assertThat(Files.readAllLines(dir.resolve("audit.jsonl"))).hasSize(6);

      List<String> ids = new ArrayList<>();
      admin(gw, "/admin/audit").get("data").forEach(e -> ids.add(e.get("request_id").asText()));
      assertThat(ids).doesNotHaveDuplicates().hasSize(6);
    }
  }

  static JsonNode admin(GatewayHarness gw, String path) throws Exception {
    var r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("authorization", "Bearer audit-admin").GET().build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static void sql(Store store, String sql) throws Exception {
    try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }
}
