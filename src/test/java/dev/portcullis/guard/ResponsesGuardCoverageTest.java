package dev.portcullis.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import io.vertx.core.http.HttpServerResponse;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every free text of the Responses API passes the guard, not only the fields of messages and
 * function calls: input items of every kind (hosted and local tool calls, shell commands, MCP
 * calls and lists, approval reasons), a stored prompt's variables, answer items of every kind,
 * and streamed text of every kind (reasoning text, MCP call arguments, code interpreter code, and
 * a delta type the gateway has no name for). A response the gateway keeps holds none of what the
 * guard redacted. The upstream is OpenAI's Responses API (passed through); the rule redacts
 * personal data both ways.
 */
class ResponsesGuardCoverageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EMAIL = GuardLlmSdkTest.EMAIL;
  private static final String LOCAL = EMAIL.substring(0, EMAIL.indexOf('@'));
  private static FakeOpenAiUpstream upstream;
  private static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("responses-guard-coverage");
    upstream = FakeOpenAiUpstream.start();
    upstream.otherwise(FakeOpenAiUpstream.responses(body -> "noted"));
    gw = GatewayHarness.start("""
        router:
          max_attempts: 1
        models:
          gpt-native:
            deployments:
              - type: openai
                base_url: %s
        store:
          url: jdbc:sqlite:%s/p.db
        guard:
          rules:
            - name: redact-pii
              detectors: [pii]
              action: redact
              direction: both
        """.formatted(upstream.baseUrl(), dir));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    upstream.close();
  }

  @Test
  void inputItemsOfEveryKindAndPromptVariablesAreScannedBeforeTheyGoUpstream() throws Exception {
    String e = EMAIL;
    String body = """
        {"model":"gpt-native","store":false,
         "prompt":{"id":"pmpt_1","variables":{"who":"%1$s","part":{"type":"input_text","text":"cc %1$s"}}},
         "input":[
          {"type":"code_interpreter_call","id":"ci_1","status":"completed","container_id":"cntr_1",
           "code":"send('%1$s')","outputs":[{"type":"logs","logs":"sent to %1$s"}]},
          {"type":"local_shell_call","id":"lsh_1","call_id":"call_1","status":"completed",
           "action":{"type":"exec","command":["mail","%1$s"],"env":{"TO":"%1$s"}}},
          {"type":"local_shell_call_output","call_id":"call_1","output":"delivered to %1$s"},
          {"type":"shell_call","id":"sh_1","call_id":"call_2","status":"completed",
           "action":{"commands":["grep %1$s /etc/aliases"]}},
          {"type":"shell_call_output","call_id":"call_2","output":[{"stdout":"%1$s: anna","stderr":"",
           "outcome":{"type":"exit","exit_code":0}}]},
          {"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"%1$s"}},
          {"type":"file_search_call","id":"fs_1","status":"completed","queries":["%1$s"]},
          {"type":"mcp_list_tools","id":"mcpl_1","server_label":"crm",
           "tools":[{"name":"lookup","description":"ask %1$s","input_schema":{"type":"object"}}]},
          {"type":"mcp_call","id":"mcp_1","server_label":"crm","name":"lookup","arguments":"{}",
           "output":"owner %1$s","error":"no access for %1$s"},
          {"type":"apply_patch_call","id":"ap_1","call_id":"call_3","status":"completed",
           "operation":{"type":"update_file","path":"a.txt","diff":"+to: %1$s"}},
          {"type":"reasoning","id":"rs_1","summary":[],"content":[{"type":"reasoning_text","text":"the user is %1$s"}]},
          {"role":"user","content":"go"}
         ]}
        """.formatted(e);
    HttpResponse<String> r = gw.post("/v1/responses", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String sent = upstream.last().body().toString();
    assertThat(sent).doesNotContain(LOCAL);
    // every place still has its text, redacted: 14 strings held the address (the mcp_list_tools
    // item is left out for the model, and an mcp_call becomes a function call whose output is its
    // error when it has one)
    assertThat(sent.split("\\[EMAIL_1]", -1).length - 1).isEqualTo(14);
    assertThat(upstream.last().json().at("/input/0/container_id").asText()).isEqualTo("cntr_1");
  }

  @Test
  void answerItemsOfEveryKindAreScanned() throws Exception {
    ObjectNode answer = (ObjectNode) JSON.readTree("""
        {"id":"resp_plain1","object":"response","created_at":1700000000,"status":"completed","model":"gpt-native",
         "output":[
          {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"about %1$s"}],
           "content":[{"type":"reasoning_text","text":"the user is %1$s"}]},
          {"type":"code_interpreter_call","id":"ci_1","status":"completed","container_id":"c",
           "code":"print('%1$s')","outputs":[{"type":"logs","logs":"%1$s"}]},
          {"type":"mcp_call","id":"mcp_1","server_label":"crm","name":"lookup","arguments":"{\\"q\\":\\"%1$s\\"}",
           "output":"owner %1$s","error":null},
          {"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"%1$s"}}
         ],
         "usage":{"input_tokens":5,"output_tokens":5,"total_tokens":10}}
        """.formatted(EMAIL));
    upstream.enqueue(FakeOpenAiUpstream.status(200, answer.toString(), Map.of()));
    HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"gpt-native\",\"store\":false,\"input\":\"hi\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).doesNotContain(LOCAL);
    assertThat(r.body().split("\\[EMAIL_", -1).length - 1).isEqualTo(7);
  }

  @Test
  void streamedTextOfEveryKindIsScanned() throws Exception {
    upstream.enqueue((req, received) -> {
      HttpServerResponse resp = req.response().putHeader("content-type", "text/event-stream").setChunked(true);
      Sse sse = new Sse(resp);
      String[] halves = {"the user is " + EMAIL.substring(0, 6), EMAIL.substring(6) + " ok"};
      sse.send("response.created", "{\"response\":{\"id\":\"resp_s1\",\"object\":\"response\",\"status\":"
          + "\"in_progress\",\"output\":[]}}");
      // reasoning text, split inside the address
      sse.send("response.output_item.added", "{\"output_index\":0,\"item\":{\"type\":\"reasoning\",\"id\":\"rs_1\","
          + "\"summary\":[],\"content\":[]}}");
      for (String h : halves) {
        sse.send("response.reasoning_text.delta", "{\"item_id\":\"rs_1\",\"output_index\":0,\"content_index\":0,"
            + "\"delta\":\"" + h + "\"}");
      }
      sse.send("response.reasoning_text.done", "{\"item_id\":\"rs_1\",\"output_index\":0,\"content_index\":0,"
          + "\"text\":\"the user is " + EMAIL + " ok\"}");
      String reasoning = "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],\"content\":[{\"type\":"
          + "\"reasoning_text\",\"text\":\"the user is " + EMAIL + " ok\"}]}";
      sse.send("response.output_item.done", "{\"output_index\":0,\"item\":" + reasoning + "}");
      // an MCP call's arguments
      sse.send("response.mcp_call_arguments.delta", "{\"item_id\":\"mcp_1\",\"output_index\":1,"
          + "\"delta\":\"{\\\"q\\\":\\\"" + EMAIL + "\\\"}\"}");
      sse.send("response.mcp_call_arguments.done", "{\"item_id\":\"mcp_1\",\"output_index\":1,"
          + "\"arguments\":\"{\\\"q\\\":\\\"" + EMAIL + "\\\"}\"}");
      String mcp = "{\"type\":\"mcp_call\",\"id\":\"mcp_1\",\"server_label\":\"crm\",\"name\":\"lookup\","
          + "\"arguments\":\"{\\\"q\\\":\\\"" + EMAIL + "\\\"}\",\"output\":\"owner " + EMAIL + "\"}";
      sse.send("response.output_item.done", "{\"output_index\":1,\"item\":" + mcp + "}");
      // code interpreter code
      sse.send("response.code_interpreter_call_code.delta", "{\"item_id\":\"ci_1\",\"output_index\":2,"
          + "\"delta\":\"print('" + EMAIL + "')\"}");
      sse.send("response.code_interpreter_call_code.done", "{\"item_id\":\"ci_1\",\"output_index\":2,"
          + "\"code\":\"print('" + EMAIL + "')\"}");
      // a text event of a type the gateway has no name for
      sse.send("response.future_text.delta", "{\"item_id\":\"fx_1\",\"output_index\":3,\"delta\":\"" + EMAIL + "\"}");
      sse.send("response.future_text.done", "{\"item_id\":\"fx_1\",\"output_index\":3,\"text\":\"" + EMAIL + "\"}");
      sse.send("response.completed", "{\"response\":{\"id\":\"resp_s1\",\"object\":\"response\",\"status\":"
          + "\"completed\",\"output\":[" + reasoning + "," + mcp + "],\"usage\":{\"input_tokens\":1,"
          + "\"output_tokens\":1,\"total_tokens\":2}}}");
      resp.end();
    });
    HttpResponse<String> r = gw.post("/v1/responses",
        "{\"model\":\"gpt-native\",\"stream\":true,\"store\":false,\"input\":\"hi\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).doesNotContain(LOCAL).contains("response.completed");
    Map<String, StringBuilder> deltas = new LinkedHashMap<>();
    for (String block : r.body().split("\n\n")) {
      int at = block.indexOf("data: ");
      if (at < 0) {
        continue;
      }
      JsonNode ev = JSON.readTree(block.substring(at + 6));
      if (ev.path("type").asText().endsWith(".delta")) {
        deltas.computeIfAbsent(ev.path("type").asText(), k -> new StringBuilder()).append(ev.path("delta").asText());
      }
    }
    assertThat(deltas.get("response.reasoning_text.delta").toString()).isEqualTo("the user is [EMAIL_1] ok");
    assertThat(deltas.get("response.mcp_call_arguments.delta").toString()).isEqualTo("{\"q\":\"[EMAIL_1]\"}");
    assertThat(deltas.get("response.code_interpreter_call_code.delta").toString()).isEqualTo("print('[EMAIL_1]')");
    assertThat(deltas.get("response.future_text.delta").toString()).isEqualTo("[EMAIL_1]");
  }

  @Test
  void aKeptResponseHoldsNothingTheGuardRedacted() throws Exception {
    HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"gpt-native\",\"input\":[{\"role\":\"user\","
        + "\"content\":[{\"type\":\"input_text\",\"text\":\"mail " + EMAIL + "\"}]},"
        + "{\"role\":\"user\",\"content\":\"and " + EMAIL + " too\"}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String id = JSON.readTree(r.body()).path("id").asText();
    Awaitility.await().until(() -> gw.get("/v1/responses/" + id).statusCode() == 200);
    HttpResponse<String> items = gw.get("/v1/responses/" + id + "/input_items?order=asc");
    assertThat(items.statusCode()).isEqualTo(200);
    assertThat(items.body()).doesNotContain(LOCAL);
    JsonNode data = JSON.readTree(items.body()).path("data");
    assertThat(data.at("/0/content/0/text").asText()).isEqualTo("mail [EMAIL_1]");
    assertThat(data.at("/1/content/0/text").asText()).isEqualTo("and [EMAIL_1] too"); // a string content is listed

    HttpResponse<String> next = gw.post("/v1/responses", "{\"model\":\"gpt-native\",\"previous_response_id\":\""
        + id + "\",\"input\":\"again\"}");
    assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
    assertThat(upstream.last().body().toString()).doesNotContain(LOCAL).contains("mail [EMAIL_1]");
  }

  /** Writes OpenAI-shaped stream events, numbered. */
  private static final class Sse {
    private final HttpServerResponse resp;
    private int seq;

    Sse(HttpServerResponse resp) {
      this.resp = resp;
    }

    void send(String type, String fields) {
      ObjectNode e;
      try {
        e = (ObjectNode) JSON.readTree(fields);
      } catch (java.io.IOException x) {
        throw new java.io.UncheckedIOException(x);
      }
      e.put("type", type).put("sequence_number", seq++);
      resp.write("event: " + type + "\ndata: " + e + "\n\n");
    }
  }
}
