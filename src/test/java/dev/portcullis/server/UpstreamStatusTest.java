package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import dev.portcullis.testing.LogCapture;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Four upstreams, two of them down (an LLM deployment at a host that does not resolve, an MCP
 * server whose command does not exist): the client learns nothing about the failure's internals,
 * the log says why, /readyz follows the readiness policy and /admin/status shows each upstream.
 */
class UpstreamStatusTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ADMIN = "admin-secret-for-status";
  static FakeOpenAiUpstream fake;
  static GatewayHarness gw;
  static LogCapture log;

  @BeforeAll
  static void start() throws Exception {
    log = LogCapture.of("dev.portcullis.llm.ProxyExchange");
    fake = FakeOpenAiUpstream.start();
    gw = GatewayHarness.start("""
        admin: { key: %s }
        router: { max_attempts: 1, cooldown_failures: 1000 }
        models:
          good:
            deployments: [ { name: openai-main, type: openai_compatible, base_url: %s } ]
          nowhere:
            deployments:
              - name: unresolvable
                type: openai_compatible
                base_url: http://does-not-exist.invalid/v1
                timeouts: { connect_ms: 5000, first_byte_ms: 20000 }
        mcp:
          servers:
            demo: { type: builtin }
            broken: { type: stdio, command: /nonexistent/portcullis-no-such-server }
        readiness:
          require_upstreams: [openai-main, nowhere/unresolvable, "mcp:demo", "mcp:broken"]
        """.formatted(ADMIN, fake.baseUrl()));
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
  }

  static HttpResponse<String> get(String path, String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + path)).timeout(Duration.ofSeconds(20));
    if (bearer != null) {
      b.header("authorization", "Bearer " + bearer);
    }
    return gw.send(b.build());
  }

  static List<String> missing(HttpResponse<String> readyz) throws Exception {
    List<String> out = new ArrayList<>();
    JSON.readTree(readyz.body()).path("missing").forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void readinessAndStatusFollowTheUpstreams() throws Exception {
    // the stdio server never starts; the deployments have not been tried yet (health is learnt from traffic)
    await().atMost(Duration.ofSeconds(20)).until(() -> missing(get("/readyz", null)).equals(List.of("mcp:broken")));
    assertThat(get("/readyz", null).statusCode()).isEqualTo(503);

    HttpResponse<String> failed = gw.post("/v1/chat/completions",
        "{\"model\":\"nowhere\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    String requestId = failed.headers().firstValue("x-request-id").orElseThrow();
    assertThat(failed.statusCode()).isEqualTo(502);
    JsonNode error = JSON.readTree(failed.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_failed");
    assertThat(error.path("message").asText()).contains(requestId).contains("'unresolvable'")
        .doesNotContain("does-not-exist").doesNotContain("resolve").doesNotContain("invalid");
    // the cause is in the log, with the request id and the deployment
    await().atMost(Duration.ofSeconds(10)).until(() -> !log.where("request_id", requestId).isEmpty());
    LogCapture.Line cause = log.where("request_id", requestId).get(0);
    assertThat(cause.level()).isEqualTo("WARN");
    assertThat(cause.fields()).containsEntry("deployment", "unresolvable").containsEntry("reason", "connect");
    // the exception's class and message, whichever field carries them
    assertThat(cause.fields().values().toString()).contains("UnknownHostException")
        .contains("does-not-exist.invalid");

    fake.enqueue(FakeOpenAiUpstream.ok());
    assertThat(gw.post("/v1/chat/completions",
        "{\"model\":\"good\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
    new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY).initialize("2025-11-25");
    McpTestClient mcp = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    mcp.initialize("2025-11-25");
    assertThat(mcp.result("tools/list", null).path("tools").size()).isPositive();

    HttpResponse<String> readyz = get("/readyz", null);
    assertThat(readyz.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(readyz.body()).path("status").asText()).isEqualTo("not_ready");
    assertThat(missing(readyz)).containsExactly("nowhere/unresolvable", "mcp:broken");

    assertThat(get("/admin/status", null).statusCode()).isEqualTo(401);
    assertThat(get("/admin/status", GatewayHarness.KEY).statusCode()).isEqualTo(401);
    HttpResponse<String> status = get("/admin/status", ADMIN);
    assertThat(status.statusCode()).isEqualTo(200);
    JsonNode doc = JSON.readTree(status.body());
    assertThat(doc.path("ready").asBoolean()).isFalse();
    JsonNode main = find(doc.path("deployments"), "openai-main");
    assertThat(main.path("model").asText()).isEqualTo("good");
    assertThat(main.path("provider").asText()).isEqualTo("openai_compatible");
    assertThat(main.path("healthy").asBoolean()).isTrue();
    assertThat(main.path("last_error").isNull()).isTrue();
    assertThat(main.path("latency_ms").path("p50").asDouble()).isPositive();
    assertThat(main.path("latency_ms").path("last").asDouble()).isPositive();
    JsonNode down = find(doc.path("deployments"), "unresolvable");
    assertThat(down.path("healthy").asBoolean()).isFalse();
    assertThat(down.path("consecutive_failures").asInt()).isEqualTo(1);
    assertThat(down.path("last_error").path("code").asText()).isEqualTo("connect");
    assertThat(down.path("last_error").path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(down.path("latency_ms").path("p50").isNull()).isTrue();
    JsonNode demo = find(doc.path("mcp_upstreams"), "demo");
    assertThat(demo.path("connected").asBoolean()).isTrue();
    assertThat(demo.path("transport").asText()).isEqualTo("builtin");
    assertThat(demo.path("protocol_version").asText()).isNotEmpty();
    assertThat(demo.path("tools").asInt()).isPositive();
    JsonNode broken = find(doc.path("mcp_upstreams"), "broken");
    assertThat(broken.path("connected").asBoolean()).isFalse();
    assertThat(broken.path("transport").asText()).isEqualTo("stdio");
    assertThat(broken.path("last_error").asText()).isNotEmpty();
    assertThat(broken.path("tools").asInt()).isZero();
  }

  private static JsonNode find(JsonNode list, String name) {
    for (JsonNode n : list) {
      if (name.equals(n.path("name").asText())) {
        return n;
      }
    }
    throw new AssertionError("no " + name + " in " + list);
  }
}
