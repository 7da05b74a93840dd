package dev.portcullis.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A streamed tool loop shows each tool step while the run goes on: on the Responses API as its
 * mcp_list_tools and mcp_call events, on chat completions and Anthropic Messages as SSE comments.
 * They arrive while the next model step has not answered (it never does here), and a run that
 * fails after the stream began ends with the surface's error event. Over HTTP, with a fake OpenAI
 * provider behind the surfaces.
 */
class ToolLoopLiveStreamTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> LIST_AND_CALL = List.of("response.created", "response.in_progress",
      "response.output_item.added", "response.mcp_list_tools.in_progress", "response.mcp_list_tools.completed",
      "response.output_item.done", "response.output_item.added", "response.mcp_call.in_progress",
      "response.mcp_call_arguments.delta", "response.mcp_call_arguments.done", "response.mcp_call.completed",
      "response.output_item.done");
  static FakeOpenAiUpstream fake;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    // a model that calls demo__echo, and in the "then wait" conversation never answers after a tool result
    fake.otherwise((req, r) -> (waitsAfterTool(r) ? FakeOpenAiUpstream.hang() : callsEcho()).respond(req, r));
    gw = GatewayHarness.start("""
        models:
          looping:
            deployments:
              - { type: openai_compatible, base_url: "%s" }
        mcp:
          servers:
            demo: { type: builtin }
          tool_loop:
            max_iterations: 2
        """.formatted(fake.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {gw, fake}) {
      if (c != null) {
        c.close();
      }
    }
  }

  static boolean waitsAfterTool(FakeOpenAiUpstream.Received r) {
    String messages = r.json().path("messages").toString();
    return messages.contains("echo then wait") && messages.contains("\"role\":\"tool\"");
  }

  static FakeOpenAiUpstream.Behaviour callsEcho() {
    return FakeOpenAiUpstream.status(200, """
        {"id":"chatcmpl-live","object":"chat.completion","created":1,"model":"looping",
         "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_live",
         "type":"function","function":{"name":"demo__echo","arguments":"{\\"text\\":\\"again\\"}"}}]},
         "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10}}""",
        Map.of());
  }

  static HttpResponse<Stream<String>> stream(String input) throws Exception {
    String body = JSON.createObjectNode().put("model", "looping").put("stream", true).put("input", input)
        .set("tools", JSON.readTree("[{\"type\":\"mcp\",\"server_label\":\"gw\",\"server_url\":\"" + gw.baseUrl()
            + "/mcp\",\"allowed_tools\":[\"demo__echo\"],\"require_approval\":\"never\"}]")).toString();
    return stream("/v1/responses", body);
  }

  /** A chat completion or Anthropic message streamed with the demo server's echo run by the gateway. */
  static HttpResponse<Stream<String>> streamWithExtension(String path, String content) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("model", "looping").put("stream", true).put("max_tokens", 100);
    body.putArray("messages").addObject().put("role", "user").put("content", content);
    body.set("portcullis", JSON.readTree("{\"mcp\":[{\"server\":\"demo\",\"allowed_tools\":[\"echo\"]}]}"));
    return stream(path, body.toString());
  }

  static HttpResponse<Stream<String>> stream(String path, String body) throws Exception {
    HttpResponse<Stream<String>> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(gw.baseUrl() + path)).header("authorization", "Bearer " + GatewayHarness.KEY)
        .header("anthropic-version", "2023-06-01")
        .header("content-type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    return r;
  }

  /** Waits until the one model step after a tool result of the conversation that says {@code input} was given up. */
  static void awaitHangingStepClosed(String input) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(fake.requests().stream().filter(r -> waitsAfterTool(r) && r.body().toString().contains(input)))
            .singleElement().satisfies(q -> assertThat(q.connectionClosed()).isTrue()));
  }

  @Test
  void eachToolStepIsStreamedWhileTheNextModelStepIsStillOpen() throws Exception {
    List<JsonNode> events = new ArrayList<>();
    try (Stream<String> lines = stream("echo then wait-responses").body()) {
      Iterator<String> it = lines.iterator();
      while (events.size() < LIST_AND_CALL.size() && it.hasNext()) {
        String line = it.next();
        if (line.startsWith("data: ")) {
          events.add(JSON.readTree(line.substring("data: ".length())));
        }
      }
    } // the client leaves here, while the model step after the tool result has not answered
    assertThat(events).extracting(e -> e.path("type").asText()).isEqualTo(LIST_AND_CALL);
    JsonNode done = events.get(events.size() - 1).path("item");
    assertThat(done.path("type").asText()).isEqualTo("mcp_call");
    assertThat(done.path("output").asText()).isEqualTo("again");
    assertThat(events.get(0).at("/response/id").asText()).startsWith("resp_");
    // the step that could not have answered was open all along, and is given up once the client left
    awaitHangingStepClosed("echo then wait-responses");
  }

  @Test
  void chatCompletionsAndMessagesShowEachToolStepAsAComment() throws Exception {
    for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
      List<String> comments = new ArrayList<>();
      String input = "echo then wait-" + path.substring(path.lastIndexOf('/') + 1);
      try (Stream<String> lines = streamWithExtension(path, input).body()) {
        Iterator<String> it = lines.iterator();
        while (comments.size() < 3 && it.hasNext()) {
          String line = it.next();
          assertThat(line).as(path).satisfiesAnyOf(l -> assertThat(l).isEmpty(), l -> assertThat(l).startsWith(":"));
          if (line.startsWith(":")) {
            comments.add(line);
          }
        }
      } // the client leaves while the model step after the tool result has not answered
      assertThat(comments).as(path).containsExactly(": portcullis: 1 MCP tool(s) listed",
          ": portcullis: calling demo__echo", ": portcullis: demo__echo returned");
      awaitHangingStepClosed(input);
    }
  }

  @Test
  void aChatOrMessagesRunThatFailsAfterTheStreamBeganEndsWithTheSurfacesErrorEvent() throws Exception {
    for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
      List<String> lines;
      try (Stream<String> s = streamWithExtension(path, "loop forever").body()) {
        lines = s.filter(l -> !l.isEmpty()).toList();
      }
      assertThat(lines.get(0)).as(path).startsWith(": portcullis:");
      String last = lines.get(lines.size() - 1);
      JsonNode error = JSON.readTree(last.substring("data: ".length()));
      if (path.equals("/v1/messages")) {
        assertThat(lines.get(lines.size() - 2)).isEqualTo("event: error");
        assertThat(error.path("type").asText()).isEqualTo("error");
      } else {
        assertThat(error.at("/error/code").asText()).isEqualTo("max_iterations_exceeded");
      }
      assertThat(error.at("/error/message").asText()).as(path).contains("max_iterations");
    }
  }

  @Test
  void aRunThatFailsAfterTheStreamBeganEndsWithResponseFailed() throws Exception {
    List<JsonNode> events = new ArrayList<>();
    try (Stream<String> lines = stream("loop forever").body()) {
      lines.filter(l -> l.startsWith("data: ")).forEach(l -> {
        try {
          events.add(JSON.readTree(l.substring("data: ".length())));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    }
    assertThat(events).extracting(e -> e.path("type").asText()).startsWith(LIST_AND_CALL.toArray(String[]::new))
        .endsWith("response.failed").doesNotContain("response.completed");
    JsonNode failed = events.get(events.size() - 1).path("response");
    assertThat(failed.path("status").asText()).isEqualTo("failed");
    assertThat(failed.at("/error/code").asText()).isEqualTo("max_iterations_exceeded");
    assertThat(failed.at("/error/message").asText()).contains("max_iterations");
    assertThat(failed.path("id").asText()).isEqualTo(events.get(0).at("/response/id").asText());
    assertThat(events).extracting(e -> e.path("sequence_number").asInt()).isSorted().doesNotHaveDuplicates();
  }
}
