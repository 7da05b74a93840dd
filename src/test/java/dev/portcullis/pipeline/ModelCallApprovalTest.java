package dev.portcullis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A policy {@code require_approval} rule on a model call holds the call until an administrator
 * decides through the approvals admin API (the one tool approvals use), with the decision in the
 * audit trail.
 */
class ModelCallApprovalTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN = "approvals-admin";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static GatewayHarness gw;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("model-approval");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, """
        rules:
          - name: careful-needs-a-human
            when: "surface == 'llm' && model == 'careful'"
            effect: require_approval
            reason: the careful model is watched
        """);
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
          careful: { deployments: [ { type: demo } ] }
        store:
          url: "jdbc:sqlite:%s"
        admin:
          key: %s
        audit:
          flush_ms: 50
        policy:
          file: %s
        """.formatted(dir.resolve("g.db"), ADMIN, policy));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  private static CompletableFuture<HttpResponse<String>> chat(String content) {
    return HTTP.sendAsync(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(60)).header("content-type", "application/json")
        .header("authorization", "Bearer " + GatewayHarness.KEY)
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"careful\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"" + content + "\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> admin(String method, String path) throws Exception {
    return gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path)).header("authorization", "Bearer " + ADMIN)
        .method(method, HttpRequest.BodyPublishers.noBody()).build());
  }

  /** The pending approval of the model call, once the gateway opened it. */
  private static JsonNode pending() throws Exception {
    JsonNode[] found = new JsonNode[1];
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      for (JsonNode a : JSON.readTree(admin("GET", "/admin/approvals").body()).path("data")) {
        if ("pending".equals(a.path("status").asText()) && "careful".equals(a.path("target").asText())) {
          found[0] = a;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  private static List<AuditEvent> audited(String requestId) throws Exception {
    gw.gateway().flushAudit();
    return gw.gateway().audit().repository().query(new AuditRepository.Filter("llm", null, null, null, null, null,
        requestId, null, null, null, null, null, 10));
  }

  @Test
  void aHeldModelCallIsAnsweredOnceAnAdministratorApprovesIt() throws Exception {
    CompletableFuture<HttpResponse<String>> call = chat("approve me " + UUID.randomUUID());
    JsonNode approval = pending();
    assertThat(approval.path("action").asText()).isEqualTo("chat_completions");
    assertThat(approval.path("principal").asText()).isEqualTo("config-key-1");
    assertThat(approval.path("rule").asText()).isEqualTo("careful-needs-a-human");
    assertThat(approval.toString()).doesNotContain("approve me"); // the reviewer sees the shape, not the text
    assertThat(call).isNotDone(); // held, not refused

    assertThat(admin("POST", "/admin/approvals/" + approval.path("id").asText() + "/approve").statusCode())
        .isEqualTo(200);
    HttpResponse<String> answered = call.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
    assertThat(JSON.readTree(answered.body()).path("choices").get(0).path("message").path("content").asText())
        .isNotEmpty();

    String requestId = answered.headers().firstValue("x-request-id").orElseThrow();
    await().atMost(Duration.ofSeconds(10)).until(() -> !audited(requestId).isEmpty());
    AuditEvent e = audited(requestId).get(0);
    assertThat(e.decision()).isEqualTo("allow");
    assertThat(e.policyId()).isEqualTo("careful-needs-a-human");
    assertThat(e.reason()).isEqualTo("approved by an administrator (" + approval.path("id").asText() + ")");
    assertThat(e.outcome()).isEqualTo("ok");
  }

  @Test
  void aHeldModelCallIsRefusedWhenAnAdministratorDeniesIt() throws Exception {
    CompletableFuture<HttpResponse<String>> call = chat("deny me " + UUID.randomUUID());
    JsonNode approval = pending();
    assertThat(admin("POST", "/admin/approvals/" + approval.path("id").asText() + "/deny").statusCode())
        .isEqualTo(200);
    HttpResponse<String> refused = call.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(refused.statusCode()).isEqualTo(403);
    JsonNode error = JSON.readTree(refused.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("approval_denied");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText()).contains(approval.path("id").asText())
        .contains("careful-needs-a-human");

    String requestId = refused.headers().firstValue("x-request-id").orElseThrow();
    await().atMost(Duration.ofSeconds(10)).until(() -> !audited(requestId).isEmpty());
    AuditEvent e = audited(requestId).get(0);
    assertThat(e.decision()).isEqualTo("deny");
    assertThat(e.policyId()).isEqualTo("careful-needs-a-human");
    assertThat(e.outcome()).isEqualTo("denied"); // as a tool call an administrator denied is audited
    assertThat(e.status()).isEqualTo(403);
  }

  @Test
  void otherModelsAreNotHeld() throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions",
        "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
  }
}
