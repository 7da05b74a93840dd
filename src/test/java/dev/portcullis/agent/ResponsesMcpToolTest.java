package dev.portcullis.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Responses API's {@code {"type": "mcp"}} tool naming the gateway's own /mcp: the gateway lists
 * and runs the tools under the caller's identity (audited), answers with OpenAI's mcp_list_tools and
 * mcp_call items and streams their events; other MCP URLs and unknown approval settings are refused with a 400.
 * Through HTTP and the official OpenAI Node SDK, on the demo model's scripted mode.
 */
class ResponsesMcpToolTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("responses-mcp");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, """
        rules:
          - name: no-launch-codes
            when: "has(arguments.text) && arguments.text == 'launch codes'"
            effect: deny
            reason: launch codes stay inside
        """);
    gw = GatewayHarness.start("""
        store:
          url: "jdbc:sqlite:%s"
        audit:
          flush_ms: 50
        models:
          demo:
            deployments:
              - { name: demo-1, type: demo, model: demo-1 }
        mcp:
          servers:
            demo: { type: builtin }
          virtual_servers:
            basics:
              tools:
                - { match: demo__echo, rename: echo }
        policy:
          file: %s
        """.formatted(dir.resolve("r.db"), policy));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  static HttpResponse<String> post(String body) throws Exception {
    return gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/responses"))
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static String request(String input, String mcpTool) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("model", "demo").put("input", input);
    body.putArray("tools").add(JSON.readTree(mcpTool));
    return body.toString();
  }

  static List<AuditEvent> mcpAudit() throws Exception {
    gw.gateway().flushAudit();
    return gw.gateway().audit().repository().query(new AuditRepository.Filter("mcp", null, null, null, null,
        null, null, null, null, null, null, null, 1000));
  }

  @Test
  void theGatewayRunsTheToolAndAnswersWithMcpItems() throws Exception {
    HttpResponse<String> r = post(request("call demo__echo with {\"text\":\"hi over http\"}",
        "{\"type\":\"mcp\",\"server_label\":\"gw\",\"server_url\":\"" + gw.baseUrl() + "/mcp\","
        + "\"allowed_tools\":[\"demo__echo\"],\"require_approval\":\"never\"}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(r.body());
    JsonNode output = answer.path("output");
    assertThat(output).extracting(i -> i.path("type").asText()).containsExactly("mcp_list_tools", "mcp_call", "message");
    JsonNode listed = output.get(0);
    assertThat(listed.path("server_label").asText()).isEqualTo("gw");
    assertThat(listed.path("tools")).extracting(t -> t.path("name").asText()).containsExactly("demo__echo");
    assertThat(listed.path("tools").get(0).path("input_schema").path("type").asText()).isEqualTo("object");
    JsonNode call = output.get(1);
    assertThat(call.path("id").asText()).startsWith("mcp_");
    assertThat(call.path("server_label").asText()).isEqualTo("gw");
    assertThat(call.path("name").asText()).isEqualTo("demo__echo");
    assertThat(JSON.readTree(call.path("arguments").asText()).path("text").asText()).isEqualTo("hi over http");
    assertThat(call.path("output").asText()).isEqualTo("hi over http");
    assertThat(call.path("error").isNull()).isTrue();
    assertThat(output.get(2).path("content").path(0).path("text").asText())
        .isEqualTo("The tool returned: hi over http");
    assertThat(answer.path("tools").path(0).path("type").asText()).isEqualTo("mcp"); // the client's tools echoed
    assertThat(answer.path("usage").path("input_tokens").asLong()).isPositive();
    assertThat(mcpAudit()).filteredOn(e -> "completed".equals(e.phase()) && "demo/echo".equals(e.target()))
        .isNotEmpty().allSatisfy(e -> assertThat(e.principal()).isEqualTo("config-key-1"));
  }

  @Test
  void aVirtualServerByUrlOrLabel() throws Exception {
    for (String tool : List.of(
        "{\"type\":\"mcp\",\"server_label\":\"b\",\"server_url\":\"" + gw.baseUrl() + "/mcp/basics\","
            + "\"require_approval\":\"never\"}",
        "{\"type\":\"mcp\",\"server_label\":\"basics\",\"require_approval\":\"never\"}")) {
      HttpResponse<String> r = post(request("call echo with {\"text\":\"curated\"}", tool));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode output = JSON.readTree(r.body()).path("output");
      assertThat(output.get(0).path("tools")).extracting(t -> t.path("name").asText()).containsExactly("echo");
      assertThat(output.get(1).path("output").asText()).isEqualTo("curated");
    }
  }

  @Test
  void aRefusedCallIsAnMcpCallWithAnError() throws Exception {
    HttpResponse<String> r = post(request("call demo__echo with {\"text\":\"launch codes\"}",
        "{\"type\":\"mcp\",\"server_label\":\"gw\",\"server_url\":\"" + gw.baseUrl() + "/mcp\","
        + "\"require_approval\":\"never\"}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode call = JSON.readTree(r.body()).path("output").get(1);
    assertThat(call.path("type").asText()).isEqualTo("mcp_call");
    assertThat(call.path("status").asText()).isEqualTo("failed");
    assertThat(call.path("error").asText()).contains("launch codes stay inside");
    assertThat(call.path("output").isNull()).isTrue();
  }

  @Test
  void otherMcpUrlsAndUnknownApprovalModesAreRefused() throws Exception {
    for (String tool : List.of(
        "{\"type\":\"mcp\",\"server_label\":\"x\",\"server_url\":\"https://mcp.example.com/mcp\"}",
        "{\"type\":\"mcp\",\"server_label\":\"x\",\"server_url\":\"" + gw.baseUrl() + "/v1/models\"}",
        "{\"type\":\"mcp\",\"server_label\":\"x\",\"server_url\":\"" + gw.baseUrl() + "/mcp\",\"require_approval\":\"sometimes\"}",
        "{\"type\":\"mcp\",\"server_label\":\"x\",\"require_approval\":{\"never\":{\"tool_name\":[\"echo\"]}}}",
        "{\"type\":\"mcp\",\"server_label\":\"nosuch\"}",
        "{\"type\":\"mcp\",\"server_url\":\"" + gw.baseUrl() + "/mcp\"}")) {
      for (boolean stream : new boolean[] {false, true}) { // a stream that never began answers the same
        ObjectNode body = (ObjectNode) JSON.readTree(request("hi", tool));
        HttpResponse<String> r = post(body.put("stream", stream).toString());
        assertThat(r.statusCode()).as(tool + " -> " + r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).isNotEmpty();
      }
    }
  }

  @Test
  void theOpenAiNodeSdkPlainAndStreaming() throws Exception {
    NodeSupport.node();
    String out = NodeSupport.run("responses-mcp.mjs", gw.baseUrl() + "/v1", GatewayHarness.KEY, "demo",
        gw.baseUrl() + "/mcp");
    JsonNode r = JSON.readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
    assertThat(r.has("error")).as(out).isFalse();
    assertThat(r.at("/plain/status").asText()).isEqualTo("completed");
    assertThat(r.at("/plain/text").asText()).isEqualTo("The tool returned: hi");
    assertThat(r.at("/plain/output")).extracting(i -> i.path("type").asText())
        .containsExactly("mcp_list_tools", "mcp_call", "message");
    assertThat(r.at("/plain/output/1/output").asText()).isEqualTo("hi");

    assertThat(r.at("/stream/types")).extracting(JsonNode::asText).containsSubsequence("response.created",
        "response.in_progress", "response.output_item.added", "response.mcp_list_tools.in_progress",
        "response.mcp_list_tools.completed", "response.output_item.done", "response.output_item.added",
        "response.mcp_call.in_progress", "response.mcp_call_arguments.delta", "response.mcp_call_arguments.done",
        "response.mcp_call.completed", "response.output_item.done", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.completed");
    assertThat(r.at("/stream/sequence")).extracting(JsonNode::asInt)
        .isEqualTo(IntStream.range(0, r.at("/stream/sequence").size()).boxed().toList());
    assertThat(r.at("/stream/deltas").asText()).isEqualTo("The tool returned: streamed");
    assertThat(r.at("/stream/output/1/output").asText()).isEqualTo("streamed");
    assertThat(r.at("/foreign/status").asInt()).isEqualTo(400);
    assertThat(r.at("/foreign/message").asText()).contains("/mcp");
    assertThat(mcpAudit()).filteredOn(e -> "completed".equals(e.phase()) && "demo/echo".equals(e.target()))
        .hasSizeGreaterThanOrEqualTo(2);
  }
}
