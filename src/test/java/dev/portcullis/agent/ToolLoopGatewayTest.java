package dev.portcullis.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MCP tools run by the gateway for chat completions and Anthropic Messages ("portcullis": {"mcp":
 * [...]}), through HTTP and the official OpenAI SDK, against the demo model's scripted mode and
 * the built-in demo MCP server: the tool is called, audited write-ahead under the caller's
 * identity in the same trace as the model steps, and its result reaches the answer; the client's
 * own tools are merged; persona visibility, policy refusals and the session rule apply inside the
 * loop; bad extension fields get the surface's error shape.
 */
class ToolLoopGatewayTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static GatewayHarness gw;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("tool-loop");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, """
        labels:
          "demo__echo": [sensitive]
          "demo__add": [external_sender]
        rules:
          - name: no-launch-codes
            when: "has(arguments.text) && arguments.text == 'launch codes'"
            effect: deny
            reason: launch codes stay inside
          - name: lethal-trifecta
            when: "'sensitive' in session.labels && 'external_sender' in labels"
            effect: require_approval
            reason: this session has read sensitive data
        """);
    gw = GatewayHarness.start("""
        clients:
          keys: [test-key, trifecta-key, persona-key, deny-key, metered-key]
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
        personas:
          echoer:
            models: [demo]
            tools: [ { match: "demo__echo" } ]
            keys: [config-key-3]
          metered:
            models: [demo]
            tools: [ { match: "demo__echo" } ]
            keys: [config-key-5]
            limits: { rpm: 2 }
        policy:
          file: %s
        """.formatted(dir.resolve("loop.db"), policy));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  static HttpResponse<String> post(String path, String key, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("authorization", "Bearer " + key).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return gw.send(b.build());
  }

  static String chat(String userText, String extension) {
    ObjectNode body = JSON.createObjectNode().put("model", "demo");
    body.putArray("messages").addObject().put("role", "user").put("content", userText);
    try {
      body.set("portcullis", JSON.readTree(extension));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    return body.toString();
  }

  static List<AuditEvent> audit(String surface, String traceId) throws Exception {
    gw.gateway().flushAudit();
    return gw.gateway().audit().repository().query(new AuditRepository.Filter(surface, null, null, null, null,
        null, null, traceId, null, null, null, null, 1000));
  }

  @Test
  void theGatewayCallsTheToolAuditsItInOneTraceAndTheAnswerHasTheResult() throws Exception {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    HttpResponse<String> r = post("/v1/chat/completions", "test-key",
        chat("call demo__echo with {\"text\":\"hi from the loop\"}", "{\"mcp\":[\"demo\"]}"),
        "traceparent", "00-" + trace + "-00f067aa0ba902b7-01");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("choices").path(0).path("message").path("content").asText())
        .isEqualTo("The tool returned: hi from the loop");
    assertThat(answer.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
    JsonNode call = answer.path("portcullis").path("mcp_calls").path(0);
    assertThat(call.path("name").asText()).isEqualTo("demo__echo");
    assertThat(call.path("server").asText()).isEqualTo("demo");
    assertThat(call.path("arguments").path("text").asText()).isEqualTo("hi from the loop");
    assertThat(call.path("output").asText()).isEqualTo("hi from the loop");
    assertThat(call.path("is_error").asBoolean()).isFalse();
    assertThat(answer.path("portcullis").path("iterations").asInt()).isEqualTo(2);
    long prompt = answer.path("usage").path("prompt_tokens").asLong();
    assertThat(answer.path("usage").path("total_tokens").asLong())
        .isEqualTo(prompt + answer.path("usage").path("completion_tokens").asLong()).isPositive();

    // the tool call, in the client's trace: write-ahead (started, then completed) under the caller's key
    List<AuditEvent> mcp = audit("mcp", trace);
    assertThat(mcp).extracting(AuditEvent::phase).containsExactlyInAnyOrder("started", "completed");
    assertThat(mcp).allSatisfy(e -> {
      assertThat(e.target()).isEqualTo("demo/echo");
      assertThat(e.principal()).isEqualTo("config-key-1");
    });
    // the request and its two model steps (each admitted and accounted on its own) in the same trace
    // (the request's own record is written once its response has ended: awaited)
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      List<AuditEvent> llm = audit("llm", trace);
      assertThat(llm).hasSize(3).allSatisfy(e -> assertThat(e.principal()).isEqualTo("config-key-1"));
      assertThat(llm.stream().filter(e -> e.promptTokens() != null && e.promptTokens() > 0)).hasSize(2);
    });
  }

  @Test
  void aVirtualServerAndAllowedToolsChooseWhatIsOffered() throws Exception {
    HttpResponse<String> r = post("/v1/chat/completions", "test-key",
        chat("call echo with {\"text\":\"curated\"}", "{\"mcp\":[\"basics\"]}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("portcullis").path("mcp_calls").path(0).path("server").asText()).isEqualTo("basics");
    assertThat(answer.path("choices").path(0).path("message").path("content").asText()).contains("curated");

    HttpResponse<String> limited = post("/v1/chat/completions", "test-key",
        chat("call demo__add with {\"a\":1,\"b\":2}",
            "{\"mcp\":[{\"server\":\"demo\",\"allowed_tools\":[\"echo\"]}]}"));
    assertThat(limited.statusCode()).as(limited.body()).isEqualTo(200);
    JsonNode l = JSON.readTree(limited.body());
    assertThat(l.path("portcullis").path("mcp_calls")).isEmpty();
    assertThat(l.path("choices").path(0).path("message").path("content").asText())
        .contains("no such tool is offered");
  }

  @Test
  void theOpenAiSdkMergesItsOwnToolsAndGetsBackOnlyItsOwnCalls() throws Exception {
    ChatCompletion c = gw.openAi().chat().completions().create(ChatCompletionCreateParams.builder()
        .model("demo")
        .addUserMessage("call demo__echo with {\"text\":\"one\"} then call lookup with {\"q\":\"two\"}")
        .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("lookup")
            .parameters(com.openai.models.FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object")).build()).build()).build())
        .putAdditionalBodyProperty("portcullis", JsonValue.from(Map.of("mcp", List.of("demo"))))
        .build());
    var calls = c.choices().get(0).message().toolCalls().orElseThrow();
    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).asFunction().function().name()).isEqualTo("lookup");
    assertThat(calls.get(0).asFunction().function().arguments()).isEqualTo("{\"q\":\"two\"}");
    JsonNode trace = JSON.readTree(JSON.writeValueAsString(c._additionalProperties().get("portcullis")));
    assertThat(trace.path("mcp_calls").path(0).path("name").asText()).isEqualTo("demo__echo");
    assertThat(trace.path("mcp_calls").path(0).path("output").asText()).isEqualTo("one");
  }

  @Test
  void theOpenAiSdkStreamsTheFinalAnswer() {
    StringBuilder text = new StringBuilder();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (var stream = gw.openAi().chat().completions().createStreaming(ChatCompletionCreateParams.builder()
        .model("demo").addUserMessage("call demo__echo with {\"text\":\"streamed\"}")
        .putAdditionalBodyProperty("portcullis", JsonValue.from(Map.of("mcp", List.of("demo"))))
        .streamOptions(com.openai.models.chat.completions.ChatCompletionStreamOptions.builder()
            .includeUsage(true).build())
        .build())) {
      stream.stream().forEach(ch -> {
        chunks.add(ch);
        ch.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
      });
    }
    assertThat(text.toString()).isEqualTo("The tool returned: streamed");
    assertThat(chunks).anySatisfy(ch -> assertThat(ch._additionalProperties()).containsKey("portcullis"));
    assertThat(chunks.get(chunks.size() - 1).usage()).isPresent();
    assertThat(chunks).anySatisfy(ch -> assertThat(ch.choices()).anySatisfy(choice ->
        assertThat(choice.finishReason().map(Object::toString)).contains("stop")));
  }

  @Test
  void anthropicMessagesShowTheCallsAsMcpBlocksPlainAndStreamed() throws Exception {
    String body = """
        {"model":"demo","max_tokens":200,"messages":[{"role":"user","content":"call demo__echo with {\\"text\\":\\"from claude\\"}"}],
         "portcullis":{"mcp":["demo"]}}""";
    HttpResponse<String> r = post("/v1/messages", "test-key", body, "anthropic-version", "2023-06-01");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode m = JSON.readTree(r.body());
    JsonNode content = m.path("content");
    assertThat(content.path(0).path("type").asText()).isEqualTo("mcp_tool_use");
    assertThat(content.path(0).path("name").asText()).isEqualTo("demo__echo");
    assertThat(content.path(0).path("server_name").asText()).isEqualTo("demo");
    assertThat(content.path(1).path("type").asText()).isEqualTo("mcp_tool_result");
    assertThat(content.path(1).path("tool_use_id").asText()).isEqualTo(content.path(0).path("id").asText());
    assertThat(content.path(1).path("content").path(0).path("text").asText()).isEqualTo("from claude");
    assertThat(content.path(2).path("text").asText()).isEqualTo("The tool returned: from claude");
    assertThat(m.path("stop_reason").asText()).isEqualTo("end_turn");

    HttpResponse<String> s = post("/v1/messages", "test-key", body.replace("\"max_tokens\":200",
        "\"max_tokens\":200,\"stream\":true"), "anthropic-version", "2023-06-01");
    assertThat(s.statusCode()).isEqualTo(200);
    assertThat(s.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    List<String> events = s.body().lines().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7)).toList();
    assertThat(events.get(0)).isEqualTo("message_start");
    assertThat(events.get(events.size() - 1)).isEqualTo("message_stop");
    assertThat(s.body()).contains("\"type\":\"mcp_tool_use\"").contains("\"type\":\"mcp_tool_result\"")
        .contains("\"text_delta\",\"text\":\"The tool returned: from claude\"");
  }

  @Test
  void aToolThePolicyRefusesIsNotRunAndTheModelIsToldWhy() throws Exception {
    HttpResponse<String> r = post("/v1/chat/completions", "deny-key",
        chat("call demo__echo with {\"text\":\"launch codes\"}", "{\"mcp\":[\"demo\"]}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(r.body());
    JsonNode call = answer.path("portcullis").path("mcp_calls").path(0);
    assertThat(call.path("is_error").asBoolean()).isTrue();
    assertThat(call.path("error_code").asInt()).isEqualTo(McpError.POLICY_DENIED);
    assertThat(call.path("output").asText()).contains("no-launch-codes");
    assertThat(answer.path("choices").path(0).path("message").path("content").asText())
        .contains("Denied by policy (no-launch-codes)");
    gw.gateway().flushAudit();
    List<AuditEvent> refused = gw.gateway().audit().repository().query(new AuditRepository.Filter("mcp",
        "config-key-4", null, null, "deny", null, null, null, null, null, null, null, 100));
    assertThat(refused).anySatisfy(e -> {
      assertThat(e.policyId()).isEqualTo("no-launch-codes");
      assertThat(e.traceId()).isNotNull();
    });
    assertThat(refused).noneMatch(e -> "started".equals(e.phase()));
  }

  @Test
  void theSessionRuleSeesTheWholeRunAsOneSession() throws Exception {
    HttpResponse<String> r = post("/v1/chat/completions", "trifecta-key",
        chat("call demo__echo with {\"text\":\"secret\"} and call demo__add with {\"a\":1,\"b\":2}",
            "{\"mcp\":[\"demo\"]}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode calls = JSON.readTree(r.body()).path("portcullis").path("mcp_calls");
    assertThat(calls.path(0).path("is_error").asBoolean()).isFalse();
    assertThat(calls.path(1).path("name").asText()).isEqualTo("demo__add");
    assertThat(calls.path(1).path("error_code").asInt()).isEqualTo(McpError.APPROVAL_REQUIRED);
    assertThat(calls.path(1).path("output").asText()).contains("lethal-trifecta");
  }

  @Test
  void aPersonaSeesOnlyItsGrantedTools() throws Exception {
    HttpResponse<String> r = post("/v1/chat/completions", "persona-key",
        chat("call demo__add with {\"a\":1,\"b\":2}", "{\"mcp\":[\"demo\"]}"), "x-portcullis-persona", "echoer");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("portcullis").path("mcp_calls")).isEmpty();
    assertThat(answer.path("choices").path(0).path("message").path("content").asText())
        .contains("no such tool is offered");
    HttpResponse<String> echo = post("/v1/chat/completions", "persona-key",
        chat("call demo__echo with {\"text\":\"granted\"}", "{\"mcp\":[\"demo\"]}"), "x-portcullis-persona", "echoer");
    assertThat(JSON.readTree(echo.body()).path("portcullis").path("mcp_calls").path(0).path("output").asText())
        .isEqualTo("granted");
  }

  @Test
  void eachModelStepIsAdmittedOnItsOwnAndARefusedStepEndsTheRun() throws Exception {
    // rpm 2: the first model step and the tool call take both; the second model step is refused
    HttpResponse<String> r = post("/v1/chat/completions", "metered-key",
        chat("call demo__echo with {\"text\":\"metered\"}", "{\"mcp\":[\"demo\"]}"), "x-portcullis-persona", "metered");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertThat(error.path("type").asText()).isNotEmpty();
    assertThat(error.path("message").asText()).containsIgnoringCase("persona");
    gw.gateway().flushAudit();
    assertThat(gw.gateway().audit().repository().query(new AuditRepository.Filter("mcp", "config-key-5", null,
        "demo/echo", null, null, null, null, null, null, null, null, 100))).extracting(AuditEvent::phase)
        .contains("started", "completed");
  }

  @Test
  void badExtensionFieldsGetTheSurfacesErrorShape() throws Exception {
    HttpResponse<String> unknown = post("/v1/chat/completions", "test-key",
        chat("hi", "{\"mcp\":[\"nowhere\"]}"));
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(unknown.body()).path("error").path("message").asText()).contains("nowhere");

    HttpResponse<String> misspelt = post("/v1/chat/completions", "test-key",
        chat("hi", "{\"mcp\":[{\"server\":\"demo\",\"allowed_tool\":[\"echo\"]}]}"));
    assertThat(misspelt.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(misspelt.body()).path("error").path("message").asText()).contains("allowed_tool");

    HttpResponse<String> anthropic = post("/v1/messages", "test-key",
        "{\"model\":\"demo\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"portcullis\":[]}");
    assertThat(anthropic.statusCode()).isEqualTo(400);
    JsonNode a = JSON.readTree(anthropic.body());
    assertThat(a.path("type").asText()).isEqualTo("error");
    assertThat(a.path("error").path("type").asText()).isEqualTo("invalid_request_error");

    HttpResponse<String> clash = post("/v1/chat/completions", "test-key", """
        {"model":"demo","messages":[{"role":"user","content":"hi"}],"portcullis":{"mcp":["demo"]},
         "tools":[{"type":"function","function":{"name":"demo__echo","parameters":{"type":"object"}}}]}""");
    assertThat(clash.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(clash.body()).path("error").path("message").asText()).contains("demo__echo");
  }
}
