package dev.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.testing.GatewayHarness;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Official SDK clients (TypeScript SDK v1, MCP Java SDK) against /mcp with three upstreams at
 * once: server-everything over stdio, server-everything over Streamable HTTP, the built-in demo.
 */
class McpSdkInteropTest {
  static Process everythingHttp;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    String node = NodeSupport.node();
    int port = NodeSupport.freePort();
    everythingHttp = NodeSupport.everythingHttp(port);
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
            demo: { type: builtin }
        """.formatted(node, NodeSupport.everythingScript(), port));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (everythingHttp != null) {
      everythingHttp.destroy();
    }
  }

  @Test
  void typescriptSdkV1Client() throws Exception {
    String out = NodeSupport.run("client-v1.mjs", gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    JsonNode r = McpTestClient.JSON.readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
    assertThat(r.has("error")).as(out).isFalse();
    assertThat(r.path("server").asText()).isEqualTo("portcullis");
    assertThat(r.path("protocolVersion").asText()).isEqualTo("2025-11-25");
    assertThat(r.path("tools").toString()).contains("\"ev__echo\"", "\"evh__get-sum\"", "\"demo__echo\"");
    assertThat(r.path("stdioEcho").asText()).isEqualTo("Echo: via stdio");
    assertThat(r.path("httpSum").asText()).contains("5");
    assertThat(r.path("demoEcho").asText()).isEqualTo("builtin");
    assertThat(r.path("longRunning").asText()).contains("completed");
    assertThat(r.path("progressEvents").asInt()).isGreaterThanOrEqualTo(3);
    assertThat(r.path("unknownTool").asText()).isEqualTo("-32602");
    assertThat(r.path("prompts").toString()).contains("demo__greet");
    assertThat(r.path("readme").asText()).contains("demo MCP server");
  }

  @Test
  void javaSdkClient() {
    var transport = HttpClientStreamableHttpTransport.builder(gw.baseUrl()).endpoint("/mcp")
        .customizeRequest(b -> b.header("Authorization", "Bearer " + GatewayHarness.KEY)).build();
    try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build()) {
      McpSchema.InitializeResult init = client.initialize();
      assertThat(init.serverInfo().name()).isEqualTo("portcullis");
      List<String> tools = client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
      assertThat(tools).contains("ev__echo", "evh__echo", "demo__add");
      assertThat(tools).allMatch(n -> n.length() <= 64);
      var echo = client.callTool(new McpSchema.CallToolRequest("evh__echo", Map.of("message", "java")));
      assertThat(((McpSchema.TextContent) echo.content().get(0)).text()).isEqualTo("Echo: java");
      var sum = client.callTool(new McpSchema.CallToolRequest("ev__get-sum", Map.of("a", 20, "b", 22)));
      assertThat(((McpSchema.TextContent) sum.content().get(0)).text()).contains("42");
      var add = client.callTool(new McpSchema.CallToolRequest("demo__add", Map.of("a", 1, "b", 1)));
      assertThat(((McpSchema.TextContent) add.content().get(0)).text()).isEqualTo("2");
      var prompt = client.getPrompt(new McpSchema.GetPromptRequest("demo__greet", Map.of("name", "Grace")));
      assertThat(((McpSchema.TextContent) prompt.messages().get(0).content()).text()).contains("Grace");
      assertThat(client.listResourceTemplates().resourceTemplates()).isNotEmpty();
    }
  }
}
