package dev.portcullis.llm.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/responses} and {@code /v1/responses/input_tokens} pass the same pipeline as chat
 * completions: persona grants refuse them in OpenAI's error shape, and the audit trail records
 * every call on them, answered, refused by a stage, or refused at the edge.
 */
class ResponsesGovernanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void personaGrantsApplyAndEveryCallIsAudited() throws Exception {
    Path dir = Files.createTempDirectory("responses-governance");
    try (GatewayHarness gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
          other: { deployments: [ { type: demo } ] }
        store:
          url: "jdbc:sqlite:%s"
        audit:
          flush_ms: 50
        personas:
          researcher:
            models: [demo]
            keys: [config-key-1]
        """.formatted(dir.resolve("g.db")))) {
      HttpResponse<String> ok = post(gw, "/v1/responses", "{\"model\":\"demo\",\"input\":\"hi\"}");
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      assertThat(JSON.readTree(ok.body()).path("object").asText()).isEqualTo("response");

      HttpResponse<String> denied = post(gw, "/v1/responses", "{\"model\":\"other\",\"input\":\"hi\"}");
      assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
      JsonNode error = JSON.readTree(denied.body()).path("error");
      assertThat(error.path("message").asText()).contains("persona 'researcher' is not granted the model 'other'");
      assertThat(error.path("type").isTextual()).isTrue();

      HttpResponse<String> counted = post(gw, "/v1/responses/input_tokens", "{\"model\":\"demo\",\"input\":\"hi\"}");
      assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
      assertThat(JSON.readTree(counted.body()).path("input_tokens").asLong()).isPositive();
      HttpResponse<String> countDenied = post(gw, "/v1/responses/input_tokens",
          "{\"model\":\"other\",\"input\":\"hi\"}");
      assertThat(countDenied.statusCode()).as(countDenied.body()).isEqualTo(403);
      assertThat(countDenied.body()).doesNotContain("input_tokens\":");

      HttpResponse<String> unknown = post(gw, "/v1/responses",
          "{\"model\":\"demo\",\"input\":\"hi\",\"previous_response_id\":\"resp_nobody\"}");
      assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
      assertThat(unknown.body()).contains("previous_response_not_found");
      assertThat(post(gw, "/v1/responses", "{\"model\":").statusCode()).isEqualTo(400);

      AuditRepository repo = gw.gateway().audit().repository();
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        gw.gateway().flushAudit();
        return events(repo).size() == 6;
      });
      List<AuditEvent> events = events(repo);
      assertThat(events).allSatisfy(e -> {
        assertThat(e.keyId()).isEqualTo("config-key-1");
        assertThat(e.persona()).isEqualTo("researcher");
      });
      assertThat(events).extracting(AuditEvent::action, AuditEvent::status, AuditEvent::outcome)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("responses", 200, "ok"),
              org.assertj.core.groups.Tuple.tuple("responses", 403, "refused"),
              org.assertj.core.groups.Tuple.tuple("responses_input_tokens", 200, "ok"),
              org.assertj.core.groups.Tuple.tuple("responses_input_tokens", 403, "refused"),
              org.assertj.core.groups.Tuple.tuple("responses", 404, "refused"),
              org.assertj.core.groups.Tuple.tuple("responses", 400, "refused"));
    }
  }

  private static HttpResponse<String> post(GatewayHarness gw, String path, String body) throws Exception {
    return gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path)).header("content-type", "application/json")
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("x-portcullis-persona", "researcher")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private static List<AuditEvent> events(AuditRepository repo) {
    return repo.query(new AuditRepository.Filter("llm", null, null, null, null, null, null, null, null, null,
        null, null, 20));
  }
}
