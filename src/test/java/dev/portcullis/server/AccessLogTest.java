package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.testing.GatewayHarness;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.FakeOpenAiUpstream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One access-log line per request on every route, with the outcome a user would want to grep
 * for: refusals (key, model, rate limit, policy, guard) and MCP calls as much as normal calls;
 * and the refusals counted in /metrics.
 */
class AccessLogTest {
  static final String LIMITED_KEY = "limited-key";
  static GatewayHarness gw;
  static FakeOpenAiUpstream fake;
  static Path policy;
  static LogCapture log;

  @BeforeAll
  static void start() throws Exception {
    log = LogCapture.of("portcullis.access");
    fake = FakeOpenAiUpstream.start();
    fake.otherwise(FakeOpenAiUpstream.hang());
    policy = Files.createTempFile("portcullis-policy", ".yaml");
    Files.writeString(policy, """
        rules:
          - name: no-blocked
            when: "model == 'blocked'"
            effect: deny
            reason: the blocked model is off limits
        """);
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { name: demo-1, type: demo } ] }
          blocked: { deployments: [ { type: demo } ] }
          hangs: { deployments: [ { name: hanging, type: openai_compatible, base_url: %s } ] }
        clients:
          keys: [test-key, %s]
        personas:
          slow:
            models: [demo]
            keys: [config-key-2]
            limits: { rpm: 1 }
        policy:
          file: %s
        guard:
          rules:
            - name: no-secrets
              detectors: [secrets]
              action: block
        mcp:
          servers:
            demo: { type: builtin }
            broken: { type: stdio, command: /nonexistent/portcullis-no-such-server }
        """.formatted(fake.baseUrl(), LIMITED_KEY, policy));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (fake != null) {
      fake.close();
    }
    log.close();
    Files.deleteIfExists(policy);
  }

  static HttpResponse<String> chat(String key, String persona, String model, String text) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(20)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}"));
    if (key != null) {
      b.header("authorization", "Bearer " + key);
    }
    if (persona != null) {
      b.header("x-portcullis-persona", persona);
    }
    return gw.send(b.build());
  }

  /** The one access-log line of the response's request id (it is written once the response ended). */
  static LogCapture.Line line(HttpResponse<String> r) {
    String id = r.headers().firstValue("x-request-id").orElseThrow();
    await().atMost(Duration.ofSeconds(10)).until(() -> !log.where("request_id", id).isEmpty());
    List<LogCapture.Line> lines = log.where("request_id", id);
    assertThat(lines).as("access-log lines of " + id).hasSize(1);
    return lines.get(0);
  }

  @Test
  void everyOutcomeHasOneLine() throws Exception {
    HttpResponse<String> ok = chat(GatewayHarness.KEY, null, "demo", "hello");
    HttpResponse<String> noKey = chat(null, null, "demo", "hello");
    HttpResponse<String> wrongKey = chat("not-a-key", null, "demo", "hello");
    HttpResponse<String> noModel = chat(GatewayHarness.KEY, null, "nope", "hello");
    HttpResponse<String> denied = chat(GatewayHarness.KEY, null, "blocked", "hello");
    HttpResponse<String> guarded = chat(GatewayHarness.KEY, null, "demo",
        "use key ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
    HttpResponse<String> first = chat(LIMITED_KEY, "slow", "demo", "one");
    HttpResponse<String> limited = chat(LIMITED_KEY, "slow", "demo", "two");
    HttpResponse<String> anthropicNoModel = gw.post("/v1/messages",
        "{\"model\":\"nope\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(anthropicNoModel.statusCode()).isEqualTo(404);
    assertThat(line(anthropicNoModel).fields()).containsEntry("outcome", "refused:model_not_found")
        .containsEntry("path", "/v1/messages");

    assertThat(List.of(ok, noKey, wrongKey, noModel, denied, guarded, first, limited))
        .extracting(HttpResponse::statusCode).containsExactly(200, 401, 401, 404, 403, 400, 200, 429);

    LogCapture.Line okLine = line(ok);
    assertThat(okLine.fields()).containsEntry("outcome", "ok").containsEntry("status", 200)
        .containsEntry("method", "POST").containsEntry("path", "/v1/chat/completions")
        .containsEntry("principal", "config-key-1").containsEntry("model", "demo")
        .containsEntry("deployment", "demo-1");
    assertThat((Long) okLine.get("bytes_out")).isPositive();
    assertThat((Long) okLine.get("bytes_in")).isPositive();
    assertThat((Double) okLine.get("duration_ms")).isNotNegative();
    assertThat((Long) okLine.get("completion_tokens")).isPositive();

    assertThat(line(noKey).fields()).containsEntry("outcome", "refused:invalid_api_key").containsEntry("status", 401)
        .containsEntry("principal", null);
    assertThat(line(wrongKey).get("outcome")).isEqualTo("refused:invalid_api_key");
    assertThat(line(noModel).fields()).containsEntry("outcome", "refused:model_not_found")
        .containsEntry("model", "nope");
    assertThat(line(denied).fields()).containsEntry("outcome", "refused:policy_denied")
        .containsEntry("model", "blocked").containsEntry("principal", "config-key-1");
    assertThat(line(guarded).get("outcome")).isEqualTo("refused:guard_blocked");
    assertThat(line(first).get("outcome")).isEqualTo("ok");
    assertThat(line(limited).fields()).containsEntry("outcome", "refused:rate_limit_exceeded")
        .containsEntry("status", 429).containsEntry("principal", "config-key-2");
    // no line, field or value carries a key
    assertThat(log.lines().toString()).doesNotContain(GatewayHarness.KEY).doesNotContain(LIMITED_KEY)
        .doesNotContain("not-a-key");
    // the outcome code is for the log only: clients do not get the header
    assertThat(limited.headers().map()).doesNotContainKey("x-portcullis-outcome-code");

    String metrics = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/metrics")).build()).body();
    assertThat(metrics)
        .contains("portcullis_refusals_total{reason=\"policy_denied\",surface=\"openai\"} 1.0")
        .contains("portcullis_refusals_total{reason=\"guard_blocked\",surface=\"openai\"} 1.0")
        .contains("portcullis_refusals_total{reason=\"rate_limit_exceeded\",surface=\"openai\"} 1.0")
        .contains("portcullis_refusals_total{reason=\"model_not_found\",surface=\"openai\"} 1.0")
        .contains("portcullis_refusals_total{reason=\"invalid_api_key\",surface=\"openai\"} 2.0")
        .contains("portcullis_refusals_total{reason=\"model_not_found\",surface=\"anthropic\"} 1.0");
  }

  @Test
  void mcpRequestsAreLoggedWithMethodToolAndOutcome() throws Exception {
    McpTestClient c = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    c.initialize("2025-11-25");
    assertThat(McpTestClient.text(c.callTool("demo__echo", "{\"text\":\"hi\"}"))).contains("hi");
    // a tool of an upstream that never connected: unavailable, not unknown
    var broken = c.callTool("broken__read_file", "{}");
    assertThat(broken.path("error").path("code").asInt()).isEqualTo(-32010);
    assertThat(broken.path("error").path("message").asText()).contains("'broken'").contains("unavailable")
        .doesNotContain("nonexistent");
    assertThat(c.callTool("demo__no_such_tool", "{}").path("error").path("code").asInt()).isEqualTo(-32602);

    await().atMost(Duration.ofSeconds(10)).until(() -> log.where("mcp_name", "demo__no_such_tool").size() == 1);
    assertThat(log.where("mcp_name", "demo__echo")).singleElement().satisfies(l -> assertThat(l.fields())
        .containsEntry("outcome", "ok").containsEntry("mcp_method", "tools/call").containsEntry("path", "/mcp")
        .containsEntry("principal", "config-key-1"));
    assertThat(log.where("mcp_name", "broken__read_file")).singleElement()
        .satisfies(l -> assertThat(l.get("outcome")).isEqualTo("error:upstream_unavailable"));
    assertThat(log.where("mcp_name", "demo__no_such_tool")).singleElement()
        .satisfies(l -> assertThat(l.get("outcome")).isEqualTo("refused:invalid_params"));
    assertThat(log.where("mcp_method", "initialize")).isNotEmpty()
        .allSatisfy(l -> assertThat(l.get("outcome")).isEqualTo("ok"));
    assertThat(log.where("mcp_method", "notifications/initialized")).isNotEmpty()
        .allSatisfy(l -> assertThat(l.get("status")).isEqualTo(202));

    HttpResponse<String> anonymous = new McpTestClient(gw.baseUrl() + "/mcp", null)
        .post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(line(anonymous).get("outcome")).isEqualTo("refused:unauthenticated");

    String metrics = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/metrics")).build()).body();
    assertThat(metrics)
        .contains("portcullis_mcp_calls_total{outcome=\"ok\",server=\"demo\",tool=\"echo\"} 1.0")
        .contains("portcullis_mcp_upstream_up{server=\"demo\"} 1.0")
        .contains("portcullis_mcp_upstream_up{server=\"broken\"} 0.0")
        .contains("portcullis_mcp_call_duration_seconds_count{server=\"demo\"} 1\n")
        .containsPattern("portcullis_mcp_sessions [1-9]")
        .contains("portcullis_refusals_total{reason=\"unauthenticated\",surface=\"mcp\"} 1.0");
  }

  @Test
  void aClientLeavingMidCallIsLoggedAsAborted() throws Exception {
    String body = "{\"model\":\"hangs\",\"messages\":[{\"role\":\"user\",\"content\":\"wait\"}]}";
    try (Socket s = new Socket("127.0.0.1", gw.port())) {
      s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + GatewayHarness.KEY + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
          + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      await().atMost(Duration.ofSeconds(10)).until(() -> !fake.requests().isEmpty());
    } // the client hangs up while the gateway waits on the upstream
    await().atMost(Duration.ofSeconds(10)).until(() -> !log.where("model", "hangs").isEmpty());
    assertThat(log.where("model", "hangs")).singleElement().satisfies(l -> assertThat(l.fields())
        .containsEntry("outcome", "aborted").containsEntry("status", 499).containsEntry("deployment", "hanging"));
  }

  @Test
  void probesAndScrapesAreNotLogged() throws Exception {
    HttpResponse<String> health = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/healthz")).build());
    HttpResponse<String> unknown = gw.get("/nowhere");
    assertThat(line(unknown).fields()).containsEntry("status", 404).containsEntry("outcome", "refused:unknown_url");
    assertThat(log.where("request_id", health.headers().firstValue("x-request-id").orElseThrow())).isEmpty();
  }
}
