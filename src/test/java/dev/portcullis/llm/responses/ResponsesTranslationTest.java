package dev.portcullis.llm.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.InvalidParameterException;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.UnsupportedRequestException;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.DroppedFields;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The Responses API translated to chat completions and back, field by field (the map in docs/providers.md). */
class ResponsesTranslationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  @Test
  void requestBecomesAChatRequest() throws Exception {
    DroppedFields dropped = new DroppedFields();
    JsonNode chat = ResponsesToChatRequest.convert(json("""
        {"model":"m","instructions":"Be brief.","stream":true,"temperature":0.2,"top_p":0.9,
         "max_output_tokens":64,"parallel_tool_calls":false,"user":"u1","store":true,"metadata":{"a":"b"},
         "reasoning":{"effort":"low","summary":"auto"},"truncation":"auto","include":["x"],
         "input":[
           {"role":"developer","content":"Use tools."},
           {"type":"message","role":"user","content":[{"type":"input_text","text":"Look: "},
             {"type":"input_image","image_url":"https://example.com/a.png","detail":"low"}]},
           {"type":"reasoning","id":"rs_1","summary":[]},
           {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Calling."}]},
           {"type":"function_call","call_id":"c1","name":"f","arguments":"{\\"x\\":1}"},
           {"type":"function_call","call_id":"c2","name":"g","arguments":"{}"},
           {"type":"function_call_output","call_id":"c1","output":"one"},
           {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"two"}]}],
         "tools":[{"type":"function","name":"f","description":"F","parameters":{"type":"object"},"strict":true},
                  {"type":"web_search"}],
         "tool_choice":{"type":"function","name":"f"},
         "text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true}}}"""),
        dropped);
    assertThat(chat).isEqualTo(json("""
        {"messages":[
           {"role":"system","content":"Be brief."},
           {"role":"system","content":"Use tools."},
           {"role":"user","content":[{"type":"text","text":"Look: "},
             {"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}}]},
           {"role":"assistant","content":"Calling.","tool_calls":[
             {"id":"c1","type":"function","function":{"name":"f","arguments":"{\\"x\\":1}"}},
             {"id":"c2","type":"function","function":{"name":"g","arguments":"{}"}}]},
           {"role":"tool","tool_call_id":"c1","content":"one"},
           {"role":"tool","tool_call_id":"c2","content":"two"}],
         "model":"m","stream":true,"temperature":0.2,"top_p":0.9,"parallel_tool_calls":false,"user":"u1",
         "stream_options":{"include_usage":true},"max_tokens":64,"reasoning_effort":"low",
         "tools":[{"type":"function","function":{"name":"f","description":"F","parameters":{"type":"object"},
           "strict":true}}],
         "tool_choice":{"type":"function","function":{"name":"f"}},
         "response_format":{"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"},
           "strict":true}}}"""));
    assertThat(dropped.fields()).containsExactlyInAnyOrder("truncation", "include", "input[2] (reasoning)",
        "reasoning.summary", "tools[1] (web_search)");
  }

  @Test
  void badInputIsNamedByItsPlace() throws Exception {
    assertThatThrownBy(() -> ResponsesToChatRequest.convert(json(
        "{\"input\":[{\"role\":\"user\",\"content\":\"a\"},{\"type\":\"function_call\",\"call_id\":\"c\"}]}"),
        new DroppedFields())).isInstanceOf(InvalidParameterException.class)
        .hasMessageContaining("input[1].name");
    assertThatThrownBy(() -> ResponsesToChatRequest.convert(json("{\"input\":[{\"role\":\"wizard\",\"content\":\"a\"}]}"),
        new DroppedFields())).isInstanceOf(InvalidParameterException.class).hasMessageContaining("wizard");
    assertThatThrownBy(() -> ResponsesToChatRequest.convert(json(
        "{\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}"), new DroppedFields()))
        .isInstanceOf(UnsupportedRequestException.class).hasMessageContaining("item_reference");
    assertThatThrownBy(() -> ResponseItems.check(json("[{\"type\":\"no_such_item\"}]")))
        .isInstanceOf(InvalidParameterException.class).hasMessageContaining("no_such_item");
  }

  @Test
  void chatAnswerBecomesAResponse() throws Exception {
    JsonNode response = ChatToResponse.convert(json("{\"model\":\"m\",\"metadata\":{\"k\":\"v\"},\"store\":false}"),
        json("""
            {"id":"chatcmpl-1","created":1700000000,"choices":[{"index":0,"finish_reason":"length",
              "message":{"role":"assistant","content":"Partial","reasoning_content":"Thinking",
                "tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}"""),
        "m", new Usage(10, 5, 2, 1, false));
    assertThat(response.path("status").asText()).isEqualTo("incomplete");
    assertThat(response.at("/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
    assertThat(response.path("created_at").asLong()).isEqualTo(1_700_000_000L);
    assertThat(response.path("store").asBoolean()).isFalse();
    assertThat(response.at("/metadata/k").asText()).isEqualTo("v");
    assertThat(response.path("output")).extracting(i -> i.path("type").asText())
        .containsExactly("reasoning", "message", "function_call");
    assertThat(response.at("/output/0/summary/0/text").asText()).isEqualTo("Thinking");
    assertThat(response.at("/output/1/content/0/text").asText()).isEqualTo("Partial");
    assertThat(response.at("/output/2/call_id").asText()).isEqualTo("call_1");
    assertThat(response.path("usage").toString()).isEqualTo(json("""
        {"input_tokens":10,"input_tokens_details":{"cached_tokens":2},"output_tokens":5,
         "output_tokens_details":{"reasoning_tokens":1},"total_tokens":15}""").toString());
  }

  /** A chat stream from an inner translator that passes the chunks through. */
  private static final class Chunks implements StreamTranslator {
    private boolean done;

    @Override
    public void onData(Buffer upstream, Consumer<Buffer> out) {
      done |= upstream.toString().contains("[DONE]");
      out.accept(upstream);
    }

    @Override
    public void onEnd(Consumer<Buffer> out) { }

    @Override
    public Usage usage() {
      return new Usage(7, 3, 0, 0, false);
    }

    @Override
    public boolean completed() {
      return done;
    }
  }

  @Test
  void chatStreamBecomesResponseEventsInOpenAisOrder() throws Exception {
    ChatToResponsesStream stream = new ChatToResponsesStream(new Chunks(), JSON, json("{\"model\":\"m\"}"), "m");
    List<JsonNode> events = new ArrayList<>();
    Consumer<Buffer> out = b -> {
      String s = b.toString();
      try {
        events.add(JSON.readTree(s.substring(s.indexOf("data: ") + 6)));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    for (String chunk : List.of(
        "{\"created\":1,\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"Hm\"}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi \"}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"there\"}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_9\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]},\"finish_reason\":\"tool_calls\"}]}")) {
      stream.onData(Buffer.buffer("data: " + chunk + "\n\n"), out);
    }
    stream.onData(Buffer.buffer("data: [DONE]\n\n"), out);
    assertThat(stream.completed()).isTrue();
    assertThat(events).extracting(e -> e.path("type").asText()).containsExactly(
        "response.created", "response.in_progress",
        "response.output_item.added", "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done", "response.output_item.done",
        "response.output_item.added", "response.content_part.added", "response.output_text.delta",
        "response.output_text.delta", "response.output_text.done", "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.delta", "response.function_call_arguments.done",
        "response.output_item.done", "response.completed");
    assertThat(events).extracting(e -> e.path("sequence_number").asInt())
        .isEqualTo(java.util.stream.IntStream.range(0, events.size()).boxed().toList());
    JsonNode done = events.get(events.size() - 1).path("response");
    assertThat(done.path("output")).extracting(i -> i.path("type").asText())
        .containsExactly("reasoning", "message", "function_call");
    assertThat(done.at("/output/1/content/0/text").asText()).isEqualTo("Hi there");
    assertThat(done.at("/output/2/arguments").asText()).isEqualTo("{\"a\":1}");
    assertThat(done.at("/output/2/call_id").asText()).isEqualTo("call_9");
    assertThat(done.at("/usage/total_tokens").asLong()).isEqualTo(10);
    assertThat(events.get(18).path("name").asText()).isEqualTo("f");
    assertThat(events.get(18).path("output_index").asInt()).isEqualTo(2);
  }
}
