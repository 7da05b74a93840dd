package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.InvalidUpstreamResponseException;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.SseEventSplitter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.openai.OpenAiChunkWriter;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Anthropic's Messages event stream (message_start, content_block_start/delta/stop,
 * message_delta, message_stop, ping, error) as OpenAI chat completion chunks.
 */
final class AnthropicToOpenAiStream implements StreamTranslator {
  private final ObjectMapper json;
  private final UpstreamJson upstreamJson;
  private final boolean includeUsage;
  private final SseEventSplitter splitter = new SseEventSplitter();
  private final Map<Integer, Integer> toolIndexOfBlock = new HashMap<>();
  private OpenAiChunkWriter writer;
  private int nextToolIndex;
  private JsonNode startUsage;
  private Usage usage;
  private String stopReason;
  private boolean done;
  private StreamError error;

  AnthropicToOpenAiStream(ObjectMapper json, LlmRequest request) {
    this.json = json;
    this.upstreamJson = new UpstreamJson(json);
    this.includeUsage = request.clientWantsStreamUsage();
  }

  @Override
  public void onData(Buffer upstream, Consumer<Buffer> out) {
    splitter.feed(upstream, event -> onEvent(event, out));
  }

  private void onEvent(Buffer event, Consumer<Buffer> out) {
    String data = SseEventSplitter.data(event);
    if (data == null || done || error != null) {
      return;
    }
    JsonNode e = upstreamJson.object(data, "a message stream event");
    switch (e.path("type").asText()) {
      case "message_start" -> {
        JsonNode m = e.path("message");
        writer = new OpenAiChunkWriter(m.path("id").asText("msg"), m.path("model").asText(),
            System.currentTimeMillis() / 1000);
        startUsage = m.path("usage");
        usage = AnthropicUsage.parse(startUsage);
        out.accept(writer.role());
      }
      case "content_block_start" -> {
        JsonNode block = e.path("content_block");
        if ("tool_use".equals(block.path("type").asText())) {
          int tool = nextToolIndex++;
          toolIndexOfBlock.put(e.path("index").asInt(), tool);
          out.accept(writer().toolCallStart(tool, block.path("id").asText(), block.path("name").asText()));
        } else if ("text".equals(block.path("type").asText()) && !block.path("text").asText("").isEmpty()) {
          out.accept(writer().content(block.path("text").asText()));
        }
      }
      case "content_block_delta" -> delta(e, out);
      case "message_delta" -> {
        stopReason = e.path("delta").path("stop_reason").asText(null);
        JsonNode u = e.path("usage");
        if (u.isObject()) {
          usage = merged(u);
        }
        out.accept(writer().finish(StopReasons.toOpenAi(stopReason)));
      }
      case "message_stop" -> {
        if (includeUsage && usage != null) {
          out.accept(writer().usage(usage));
        }
        out.accept(writer().done());
        done = true;
      }
      case "error" -> {
        String type = e.path("error").path("type").asText("api_error");
        error = new StreamError(type, e.path("error").path("message").asText(type),
            type.equals("overloaded_error") || type.equals("api_error") || type.equals("rate_limit_error"));
      }
      default -> { } // ping and content_block_stop carry nothing for OpenAI
    }
  }

  private void delta(JsonNode e, Consumer<Buffer> out) {
    JsonNode d = e.path("delta");
    switch (d.path("type").asText()) {
      case "text_delta" -> out.accept(writer().content(d.path("text").asText("")));
      case "input_json_delta" -> {
        Integer tool = toolIndexOfBlock.get(e.path("index").asInt());
        String part = d.path("partial_json").asText("");
        if (tool != null && !part.isEmpty()) {
          out.accept(writer().toolCallArguments(tool, part));
        }
      }
      case "thinking_delta" -> out.accept(writer().reasoning(d.path("thinking").asText("")));
      default -> { } // signature_delta, citations_delta
    }
  }

  /** message_delta's usage is cumulative; fields it leaves out keep message_start's values. */
  private Usage merged(JsonNode deltaUsage) {
    var n = startUsage != null && startUsage.isObject() ? ((com.fasterxml.jackson.databind.node.ObjectNode)
        startUsage).deepCopy() : json.createObjectNode();
    deltaUsage.fields().forEachRemaining(f -> {
      if (!f.getValue().isNull()) {
        n.set(f.getKey(), f.getValue());
      }
    });
    return AnthropicUsage.parse(n);
  }

  private OpenAiChunkWriter writer() {
    if (writer == null) {
      writer = new OpenAiChunkWriter("msg", "", System.currentTimeMillis() / 1000);
    }
    return writer;
  }

  @Override
  public void onEnd(Consumer<Buffer> out) {
    Buffer rest = splitter.remainder();
    if (rest != null) {
      try {
        onEvent(rest, out);
      } catch (InvalidUpstreamResponseException cutShort) {
        // the stream ended inside an event: it stays incomplete
      }
    }
  }

  @Override
  public Usage usage() {
    return usage != null ? usage : Usage.NONE;
  }

  @Override
  public boolean completed() {
    return done;
  }

  @Override
  public StreamError upstreamError() {
    return error;
  }
}
