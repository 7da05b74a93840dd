package dev.portcullis.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Responses API's mcp tool with {@code require_approval}: the run stops with an
 * mcp_approval_request, the client's mcp_approval_response (after previous_response_id, or with
 * the items replayed) has the gateway run or refuse the call, recorded in the audit trail; the
 * gateway's own policy still applies. Responses that ran tools are kept and can be continued, and
 * MCP items in the input are given to the model as the function calls they were. Over HTTP and the
 * official OpenAI Node SDK, on the demo model's scripted mode.
 */
class ResponsesMcpApprovalTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("responses-mcp-approval");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, """
        rules:
          - name: manager-signs
            when: "has(arguments.text) && arguments.text == 'needs a manager'"
            effect: require_approval
            reason: a manager signs this off
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

  static HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return gw.send(b.build());
  }

  static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static ObjectNode mcpTool(String requireApproval) throws Exception {
    ObjectNode t = JSON.createObjectNode().put("type", "mcp").put("server_label", "gw")
        .put("server_url", gw.baseUrl() + "/mcp");
    t.putArray("allowed_tools").add("demo__echo");
    if (requireApproval != null) {
      t.set("require_approval", JSON.readTree(requireApproval));
    }
    return t;
  }

  static ObjectNode request(Object input, ObjectNode tool) {
    ObjectNode body = JSON.createObjectNode().put("model", "demo");
    body.set("input", input instanceof String s ? JSON.getNodeFactory().textNode(s) : (JsonNode) input);
    if (tool != null) {
      body.putArray("tools").add(tool);
    }
    return body;
  }

  static ObjectNode approval(String requestId, boolean approve) {
    return JSON.createObjectNode().put("type", "mcp_approval_response").put("approval_request_id", requestId)
        .put("approve", approve);
  }

  static List<String> outputTypes(JsonNode response) {
    return java.util.stream.StreamSupport.stream(response.path("output").spliterator(), false)
        .map(i -> i.path("type").asText()).toList();
  }

  static List<AuditEvent> mcpAudit() throws Exception {
    gw.gateway().flushAudit();
    return gw.gateway().audit().repository().query(new AuditRepository.Filter("mcp", null, null, null, null,
        null, null, null, null, null, null, null, 1000));
  }

  /** How many tool calls left the gateway (their write-ahead audit events). */
  static long startedCalls() throws Exception {
    return mcpAudit().stream().filter(e -> "started".equals(e.phase()) && "demo/echo".equals(e.target())).count();
  }

  static String call(String text) {
    return "call demo__echo with {\"text\":\"" + text + "\"}";
  }

  @Test
  void withoutRequireApprovalTheRunStopsWithAnApprovalRequestAndApprovingRunsTheCall() throws Exception {
    String text = "approve me " + UUID.randomUUID();
    long calls = startedCalls();
    JsonNode asked = ok(send("POST", "/v1/responses", request(call(text), mcpTool(null)).toString()));
    assertThat(outputTypes(asked)).containsExactly("mcp_list_tools", "mcp_approval_request");
    JsonNode req = asked.path("output").get(1);
    assertThat(req.path("id").asText()).startsWith("mcpr_");
    assertThat(req.path("server_label").asText()).isEqualTo("gw");
    assertThat(req.path("name").asText()).isEqualTo("demo__echo");
    assertThat(JSON.readTree(req.path("arguments").asText()).path("text").asText()).isEqualTo(text);
    assertThat(asked.path("status").asText()).isEqualTo("completed");
    assertThat(startedCalls()).isEqualTo(calls); // nothing ran before the client's answer

    ObjectNode next = request(JSON.createArrayNode().add(approval(req.path("id").asText(), true)), mcpTool(null));
    next.put("previous_response_id", asked.path("id").asText());
    JsonNode done = ok(send("POST", "/v1/responses", next.toString()));
    assertThat(outputTypes(done)).containsExactly("mcp_list_tools", "mcp_call", "message");
    JsonNode call = done.path("output").get(1);
    assertThat(call.path("approval_request_id").asText()).isEqualTo(req.path("id").asText());
    assertThat(call.path("status").asText()).isEqualTo("completed");
    assertThat(call.path("output").asText()).isEqualTo(text);
    assertThat(done.path("output").get(2).path("content").path(0).path("text").asText())
        .isEqualTo("The tool returned: " + text);
    assertThat(done.path("previous_response_id").asText()).isEqualTo(asked.path("id").asText());
    assertThat(startedCalls()).isEqualTo(calls + 1);
    assertThat(mcpAudit()).filteredOn(e -> e.reason() != null
        && e.reason().contains("approved by the client (" + req.path("id").asText() + ")")).singleElement()
        .satisfies(e -> {
          assertThat(e.phase()).isEqualTo("started");
          assertThat(e.decision()).isEqualTo("allow");
          assertThat(e.target()).isEqualTo("demo/echo");
        });
  }

  @Test
  void aRefusalIsToldToTheModelAndAudited() throws Exception {
    String text = "refuse me " + UUID.randomUUID();
    long calls = startedCalls();
    JsonNode asked = ok(send("POST", "/v1/responses", request(call(text), mcpTool("\"always\"")).toString()));
    String id = asked.path("output").get(1).path("id").asText();
    ObjectNode answer = approval(id, false).put("reason", "not today");
    ObjectNode next = request(JSON.createArrayNode().add(answer), mcpTool("\"always\""));
    next.put("previous_response_id", asked.path("id").asText());
    JsonNode done = ok(send("POST", "/v1/responses", next.toString()));
    assertThat(outputTypes(done)).containsExactly("mcp_list_tools", "mcp_call", "message");
    JsonNode call = done.path("output").get(1);
    assertThat(call.path("status").asText()).isEqualTo("failed");
    assertThat(call.path("approval_request_id").asText()).isEqualTo(id);
    assertThat(call.path("error").asText()).contains("not approved by the client").contains("not today");
    assertThat(done.path("output").get(2).path("content").path(0).path("text").asText())
        .startsWith("The tool returned: ").contains("not approved by the client");
    assertThat(mcpAudit()).filteredOn(e -> e.reason() != null && e.reason().contains("not approved by the client ("
        + id + ")")).singleElement().satisfies(e -> {
          assertThat(e.decision()).isEqualTo("deny");
          assertThat(e.outcome()).isEqualTo("not_approved");
          assertThat(e.target()).isEqualTo("demo/echo");
        });
    assertThat(startedCalls()).isEqualTo(calls);
  }

  @Test
  void theFilterFormsOfRequireApproval() throws Exception {
    for (String setting : List.of("{\"never\":{\"tool_names\":[\"demo__echo\"]}}", "{\"never\":{\"tool_names\":[\"echo\"]}}",
        "\"never\"")) {
      JsonNode r = ok(send("POST", "/v1/responses", request(call("x"), mcpTool(setting)).toString()));
      assertThat(outputTypes(r)).as(setting).containsExactly("mcp_list_tools", "mcp_call", "message");
    }
    for (String setting : List.of("{\"always\":{\"tool_names\":[\"echo\"]}}", "{\"never\":{\"tool_names\":[\"add\"]}}",
        "{\"never\":{\"read_only\":true}}", "{\"always\":{\"tool_names\":[\"demo__echo\"]},\"never\":{\"tool_names\":"
        + "[\"demo__echo\"]}}")) {
      JsonNode r = ok(send("POST", "/v1/responses", request(call("x"), mcpTool(setting)).toString()));
      assertThat(outputTypes(r)).as(setting).containsExactly("mcp_list_tools", "mcp_approval_request");
    }
  }

  @Test
  void theGatewaysOwnApprovalRuleStillAppliesToACallTheClientApproved() throws Exception {
    JsonNode asked = ok(send("POST", "/v1/responses", request(call("needs a manager"), mcpTool(null)).toString()));
    String id = asked.path("output").get(1).path("id").asText();
    ObjectNode next = request(JSON.createArrayNode().add(approval(id, true)), mcpTool(null));
    next.put("previous_response_id", asked.path("id").asText());
    JsonNode done = ok(send("POST", "/v1/responses", next.toString()));
    JsonNode call = done.path("output").get(1);
    assertThat(call.path("status").asText()).isEqualTo("failed");
    assertThat(call.path("error").asText()).contains("manager-signs").contains("pending");
  }

  @Test
  void withoutStoreTheClientReplaysTheItemsWithItsAnswer() throws Exception {
    String text = "replayed " + UUID.randomUUID();
    ObjectNode first = request(call(text), mcpTool(null)).put("store", false);
    JsonNode asked = ok(send("POST", "/v1/responses", first.toString()));
    assertThat(send("GET", "/v1/responses/" + asked.path("id").asText(), null).statusCode()).isEqualTo(404);
    ArrayNode input = JSON.createArrayNode();
    input.addObject().put("role", "user").put("content", call(text));
    asked.path("output").forEach(input::add);
    input.add(approval(asked.path("output").get(1).path("id").asText(), true));
    JsonNode done = ok(send("POST", "/v1/responses", request(input, mcpTool(null)).put("store", false).toString()));
    assertThat(outputTypes(done)).containsExactly("mcp_list_tools", "mcp_call", "message");
    assertThat(done.path("output").get(1).path("output").asText()).isEqualTo(text);

    // the whole exchange sent again with a new question: nothing is run twice
    ArrayNode again = input.deepCopy();
    done.path("output").forEach(again::add);
    again.addObject().put("role", "user").put("content", "thanks");
    long before = startedCalls();
    JsonNode thanks = ok(send("POST", "/v1/responses", request(again, mcpTool(null)).put("store", false)
        .put("tool_choice", "none").toString()));
    assertThat(outputTypes(thanks)).containsExactly("mcp_list_tools", "message");
    assertThat(startedCalls()).isEqualTo(before);
  }

  @Test
  void aStoredToolRunIsKeptAndContinued() throws Exception {
    String text = "kept " + UUID.randomUUID();
    JsonNode ran = ok(send("POST", "/v1/responses", request(call(text), mcpTool("\"never\"")).toString()));
    assertThat(ran.path("store").asBoolean()).isTrue();
    JsonNode kept = ok(send("GET", "/v1/responses/" + ran.path("id").asText(), null));
    assertThat(outputTypes(kept)).containsExactly("mcp_list_tools", "mcp_call", "message");
    assertThat(kept.path("output").get(1).path("output").asText()).isEqualTo(text);

    // continued with the tool: the model sees the earlier call as a function call and its output
    ObjectNode again = request("call demo__echo with {\"text\":\"second\"}", mcpTool("\"never\""));
    again.put("previous_response_id", ran.path("id").asText());
    JsonNode second = ok(send("POST", "/v1/responses", again.toString()));
    assertThat(outputTypes(second)).containsExactly("mcp_list_tools", "mcp_call", "message");
    assertThat(second.path("output").get(2).path("content").path(0).path("text").asText())
        .isEqualTo("The tool returned: second");
    JsonNode items = ok(send("GET", "/v1/responses/" + second.path("id").asText() + "/input_items?order=asc", null));
    assertThat(items.path("data").findValuesAsText("type")).contains("mcp_list_tools", "mcp_call");

    // continued without any tool: the mcp items reach the model as what they were, nothing is refused
    ObjectNode plain = request("and what did it say?", null);
    plain.put("previous_response_id", second.path("id").asText());
    JsonNode answered = ok(send("POST", "/v1/responses", plain.toString()));
    assertThat(outputTypes(answered)).containsExactly("message");
  }

  @Test
  void mcpItemsInThePlainInputAreGivenToTheModel() throws Exception {
    ArrayNode input = JSON.createArrayNode();
    input.addObject().put("role", "user").put("content", "echo something");
    input.addObject().put("type", "mcp_list_tools").put("id", "mcpl_1").put("server_label", "gw").putArray("tools");
    input.addObject().put("type", "mcp_call").put("id", "mcp_1").put("server_label", "gw").put("name", "demo__echo")
        .put("arguments", "{\"text\":\"earlier\"}").put("output", "earlier").put("status", "completed");
    JsonNode r = ok(send("POST", "/v1/responses", request(input, null).toString()));
    assertThat(r.path("output").get(0).path("content").path(0).path("text").asText())
        .isEqualTo("The tool returned: earlier");

    input.add(approval("mcpr_nosuch", true));
    for (ObjectNode body : List.of(request(input, null), request(input, mcpTool(null)))) {
      HttpResponse<String> bad = send("POST", "/v1/responses", body.toString());
      assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
      assertThat(JSON.readTree(bad.body()).path("error").path("message").asText()).contains("mcpr_nosuch");
    }
  }

  @Test
  void theOpenAiNodeSdkApprovesRefusesContinuesAndStreams() throws Exception {
    NodeSupport.node();
    String out = NodeSupport.run("responses-mcp-approval.mjs", gw.baseUrl() + "/v1", GatewayHarness.KEY, "demo",
        gw.baseUrl() + "/mcp");
    JsonNode r = JSON.readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
    assertThat(r.has("error")).as(out).isFalse();
    assertThat(r.at("/asked/output")).extracting(i -> i.path("type").asText())
        .containsExactly("mcp_list_tools", "mcp_approval_request");
    assertThat(r.at("/approved/output")).extracting(i -> i.path("type").asText())
        .containsExactly("mcp_list_tools", "mcp_call", "message");
    assertThat(r.at("/approved/output/1/approval_request_id").asText()).isEqualTo(r.at("/asked/output/1/id").asText());
    assertThat(r.at("/approved/text").asText()).isEqualTo("The tool returned: sdk");
    assertThat(r.at("/refused/output/1/status").asText()).isEqualTo("failed");
    assertThat(r.at("/retrieved/output")).extracting(i -> i.path("type").asText())
        .containsExactly("mcp_list_tools", "mcp_call", "message");
    assertThat(r.at("/continued/text").asText()).isEqualTo("The tool returned: again");

    assertThat(r.at("/stream/types")).extracting(JsonNode::asText).containsExactly("response.created",
        "response.in_progress", "response.output_item.added", "response.mcp_list_tools.in_progress",
        "response.mcp_list_tools.completed", "response.output_item.done", "response.output_item.added",
        "response.mcp_call.in_progress", "response.mcp_call_arguments.delta", "response.mcp_call_arguments.done",
        "response.mcp_call.completed", "response.output_item.done", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.completed");
    assertThat(r.at("/stream/sequence")).extracting(JsonNode::asInt)
        .isEqualTo(IntStream.range(0, r.at("/stream/sequence").size()).boxed().toList());
    assertThat(r.at("/stream/indexes")).extracting(JsonNode::asInt).containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 1, 1,
        2, 2, 2, 2, 2, 2);
    assertThat(r.at("/stream/output/1/approval_request_id").asText()).isEqualTo(r.at("/stream/asked").asText());
    assertThat(r.at("/stream/id").asText()).isEqualTo(r.at("/stream/output_id").asText());
  }
}
