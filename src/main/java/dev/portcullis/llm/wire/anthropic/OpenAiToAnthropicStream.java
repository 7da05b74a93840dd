package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.SseEventSplitter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.Usage;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns the OpenAI chat chunks an inner translator produces into Anthropic Messages events:
 * message_start, one content block per text run or tool call, message_delta with the stop reason
 * and usage, message_stop.
 */
final class OpenAiToAnthropicStream implements StreamTranslator {
  private final StreamTranslator inner;
  private final ObjectMapper json;
  private final UpstreamJson upstreamJson;
  private final String model;
  private final long estimatedInputTokens;
  private final SseEventSplitter splitter = new SseEventSplitter();
  private final Map<Integer, Integer> blockOfTool = new HashMap<>();
  private boolean started;
  private int nextBlock;
  private int openBlock = -1;
  private String openKind;
  private String stopReason;
  private boolean done;
  private StreamError error;

  OpenAiToAnthropicStream(StreamTranslator inner, ObjectMapper json, String model, long estimatedInputTokens) {
    this.inner = inner;
    this.json = json;
    this.upstreamJson = new UpstreamJson(json);
    this.model = model;
    this.estimatedInputTokens = estimatedInputTokens;
  }

  @Override
  public void onData(Buffer upstream, Consumer<Buffer> out) {
    inner.onData(upstream, chunk -> splitter.feed(chunk, event -> onChunk(event, out)));
  }

  @Override
  public void onEnd(Consumer<Buffer> out) {
    inner.onEnd(chunk -> splitter.feed(chunk, event -> onChunk(event, out)));
    Buffer rest = splitter.remainder();
    if (rest != null) {
      onChunk(rest, out);
    }
    if (!done && inner.completed() && error == null) {
      finish(out);
    }
  }

  private void onChunk(Buffer event, Consumer<Buffer> out) {
    String data = SseEventSplitter.data(event);
    if (data == null || done || error != null) {
      return;
    }
    if (data.equals("[DONE]")) {
      finish(out);
      return;
    }
    // The inner translator wrote this chunk from an answer it already checked.
    JsonNode chunk = upstreamJson.object(data, "a chat completion chunk");
    if (chunk.has("error")) {
      JsonNode e = chunk.get("error");
      error = new StreamError(e.path("code").asText("api_error"), e.path("message").asText("upstream error"), true);
      return;
    }
    start(chunk, out);
    for (JsonNode choice : chunk.path("choices")) {
      if (choice.path("index").asInt(0) != 0) {
        continue;
      }
      JsonNode delta = choice.path("delta");
      String reasoning = delta.path("reasoning_content").asText("");
      if (!reasoning.isEmpty()) {
        open("thinking", out);
        out.accept(AnthropicEventWriter.thinkingDelta(openBlock, reasoning));
      }
      String text = delta.path("content").asText("");
      if (!text.isEmpty()) {
        open("text", out);
        out.accept(AnthropicEventWriter.textDelta(openBlock, text));
      }
      for (JsonNode call : delta.path("tool_calls")) {
        int toolIndex = call.path("index").asInt(0);
        Integer block = blockOfTool.get(toolIndex);
        if (block == null) {
          close(out);
          block = nextBlock++;
          blockOfTool.put(toolIndex, block);
          openBlock = block;
          openKind = "tool_use";
          out.accept(AnthropicEventWriter.toolUseStart(block, call.path("id").asText("toolu_" + block),
              call.path("function").path("name").asText()));
        }
        String args = call.path("function").path("arguments").asText("");
        if (!args.isEmpty()) {
          out.accept(AnthropicEventWriter.inputJsonDelta(block, args));
        }
      }
      if (choice.path("finish_reason").isTextual()) {
        stopReason = StopReasons.fromOpenAi(choice.get("finish_reason").textValue());
      }
    }
  }

  private void start(JsonNode chunk, Consumer<Buffer> out) {
    if (started) {
      return;
    }
    started = true;
    String id = OpenAiToAnthropicResponse.messageId(chunk.path("id").asText("gateway"));
    out.accept(AnthropicEventWriter.messageStart(id, model, new Usage(estimatedInputTokens, 1, 0, 0, true)));
    out.accept(AnthropicEventWriter.ping());
  }

  private void open(String kind, Consumer<Buffer> out) {
    if (kind.equals(openKind)) {
      return;
    }
    close(out);
    openBlock = nextBlock++;
    openKind = kind;
    out.accept(kind.equals("text") ? AnthropicEventWriter.textStart(openBlock)
        : AnthropicEventWriter.thinkingStart(openBlock));
  }

  private void close(Consumer<Buffer> out) {
    if (openBlock >= 0) {
      out.accept(AnthropicEventWriter.blockStop(openBlock));
      openBlock = -1;
      openKind = null;
    }
  }

  private void finish(Consumer<Buffer> out) {
    if (!started) {
      start(json.createObjectNode(), out);
    }
    close(out);
    out.accept(AnthropicEventWriter.messageDelta(stopReason != null ? stopReason : "end_turn", inner.usage()));
    out.accept(AnthropicEventWriter.messageStop());
    done = true;
  }

  @Override
  public Usage usage() {
    return inner.usage();
  }

  @Override
  public boolean completed() {
    return done;
  }

  @Override
  public StreamError upstreamError() {
    return error != null ? error : inner.upstreamError();
  }
}
