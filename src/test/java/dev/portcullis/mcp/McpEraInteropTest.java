package dev.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.mcp.aggregate.Upstream;
import dev.portcullis.testing.GatewayHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both protocol eras through one gateway, driven by the official TypeScript SDKs: a v2 client
 * pinned to 2026-07-28 against legacy upstreams (server-everything, SDK v1) and 2026-07-28-only
 * upstreams (SDK v2 server), over stdio and HTTP; and a v1 (session-based) client against the
 * 2026-07-28 upstreams. Server-to-client requests cross eras both ways: a legacy upstream's
 * elicitation becomes an input_required result, a modern upstream's input_required becomes an
 * elicitation request on the legacy client's stream.
 */
class McpEraInteropTest {
  static Process everythingHttp;
  static Process modernHttp;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    String node = NodeSupport.node();
    int evPort = NodeSupport.freePort();
    int modPort = NodeSupport.freePort();
    everythingHttp = NodeSupport.everythingHttp(evPort);
    modernHttp = NodeSupport.startAndWait(modPort, node, "server-v2.mjs", "http");
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { name: d, type: demo } ] }
        mcp:
          servers:
            ev:
              type: stdio
              command: "%s"
              args: ["%s", "stdio"]
            evh:
              type: http
              url: http://127.0.0.1:%d/mcp
            mod:
              type: stdio
              command: "%s"
              args: ["%s", "stdio"]
            modh:
              type: http
              url: http://127.0.0.1:%d/mcp
          virtual_servers:
            legacy-only:
              tools: [ "ev__*", "evh__*" ]
        """.formatted(node, NodeSupport.everythingScript(), evPort, node,
        NodeSupport.DIR.resolve("server-v2.mjs"), modPort));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    for (Process p : new Process[] {everythingHttp, modernHttp}) {
      if (p != null) {
        p.destroy();
      }
    }
  }

  static JsonNode run(String script, String... args) throws Exception {
    String out = NodeSupport.run(script, args);
    JsonNode r = McpTestClient.JSON.readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
    assertThat(r.has("error")).as(out).isFalse();
    return r;
  }

  @Test
  void upstreamErasAreDetected() {
    for (Upstream u : gw.gateway().mcp().upstreams()) {
      u.client().start().toCompletionStage().toCompletableFuture().join();
    }
    assertThat(gw.gateway().mcp().upstreams()).allSatisfy(u ->
        assertThat(u.client().modern()).as(u.key()).isEqualTo(u.key().startsWith("mod")));
  }

  @Test
  void modernClientAgainstLegacyAndModernUpstreamsAtOnce() throws Exception {
    JsonNode r = run("client-v2.mjs", gw.baseUrl() + "/mcp", GatewayHarness.KEY,
        "ev__echo", "evh__echo", "mod__echo", "modh__echo", "--elicit", "modh__confirm", "{\"action\":\"ship\"}");
    assertThat(r.path("protocolVersion").asText()).isEqualTo("2026-07-28");
    assertThat(r.path("server").asText()).isEqualTo("portcullis");
    assertThat(r.path("tools").toString()).contains("ev__echo", "evh__get-sum", "mod__confirm", "modh__echo");
    assertThat(r.path("echo").path("ev__echo").asText()).isEqualTo("Echo: hi");
    assertThat(r.path("echo").path("evh__echo").asText()).isEqualTo("Echo: hi");
    assertThat(r.path("echo").path("mod__echo").asText()).isEqualTo("modern: hi");
    assertThat(r.path("echo").path("modh__echo").asText()).isEqualTo("modern: hi");
    assertThat(r.path("elicited").asText()).isEqualTo("done: ship"); // input_required passed through
    assertThat(r.path("elicitations").asInt()).isEqualTo(1);
  }

  @Test
  void legacyUpstreamsElicitationBecomesInputRequiredForAModernClient() throws Exception {
    JsonNode r = run("client-v2.mjs", gw.baseUrl() + "/mcp/legacy-only", GatewayHarness.KEY,
        "--elicit", "evh__trigger-elicitation-request", "{}");
    assertThat(r.path("tools").toString()).contains("evh__trigger-elicitation-request").doesNotContain("mod__");
    assertThat(r.path("elicitations").asInt()).as(r.toString()).isEqualTo(1);
    assertThat(r.path("elicited").asText().toLowerCase()).contains("decline");
    JsonNode stdio = run("client-v2.mjs", gw.baseUrl() + "/mcp", GatewayHarness.KEY,
        "--elicit", "ev__trigger-elicitation-request", "{}");
    assertThat(stdio.path("elicitations").asInt()).as(stdio.toString()).isEqualTo(1);
    assertThat(stdio.path("elicited").asText().toLowerCase()).contains("decline");
  }

  @Test
  void legacyClientAgainstModernUpstreamsOverStdioAndHttp() throws Exception {
    for (String up : new String[] {"mod", "modh"}) {
      JsonNode r = run("client-v1-era.mjs", gw.baseUrl() + "/mcp", GatewayHarness.KEY, up + "__echo", up + "__confirm");
      assertThat(r.path("protocolVersion").asText()).isEqualTo("2025-11-25");
      assertThat(r.path("echo").asText()).isEqualTo("modern: from v1");
      assertThat(r.path("asked").asText()).as(r.toString()).isEqualTo("Really deploy?");
      assertThat(r.path("confirm").asText()).isEqualTo("done: deploy");
      assertThat(r.path("resultType").isNull()).isTrue();
    }
  }

  @Test
  void changeNotificationsOfAModernUpstreamReachListeners() throws Exception {
    String url = gw.baseUrl() + "/mcp";
    java.net.http.HttpResponse<java.io.InputStream> listen = java.net.http.HttpClient.newHttpClient().send(
        McpStatelessEndpointTest.req(url, "subscriptions/listen", null).POST(java.net.http.HttpRequest.BodyPublishers
            .ofString(McpStatelessEndpointTest.body("\"L\"", "subscriptions/listen", "{\"notifications\":{"
                + "\"toolsListChanged\":true,\"resourceSubscriptions\":[\"note://greeting\"]}}"))).build(),
        java.net.http.HttpResponse.BodyHandlers.ofInputStream());
    java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(listen.body(),
        java.nio.charset.StandardCharsets.UTF_8));
    assertThat(McpStatelessEndpointTest.nextData(lines)).contains("notifications/subscriptions/acknowledged");
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try {
        String d;
        while ((d = McpStatelessEndpointTest.nextData(lines)) != null) {
          seen.add(d);
        }
      } catch (Exception e) {
        // closed
      }
    });
    reader.setDaemon(true);
    reader.start();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).untilAsserted(() -> {
      // the gateway reopens its listen stream upstream with the resource; touch until it is there
      var touched = McpStatelessEndpointTest.post(McpStatelessEndpointTest.req(url, "tools/call", "modh__touch"),
          McpStatelessEndpointTest.body(2, "tools/call", "{\"name\":\"modh__touch\",\"arguments\":{}}"));
      assertThat(String.join("\n", seen)).as(touched.body()).contains("notifications/resources/updated", "note://greeting",
          "notifications/tools/list_changed", "\"io.modelcontextprotocol/subscriptionId\":\"L\"");
    });
    listen.body().close();
  }
}
