package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.Usage;
import io.vertx.core.buffer.Buffer;

/** Writes Anthropic Messages stream events ({@code event: NAME} + {@code data: JSON}). */
final class AnthropicEventWriter {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private AnthropicEventWriter() {}

  static Buffer messageStart(String id, String model, Usage usage) {
    ObjectNode e = F.objectNode().put("type", "message_start");
    ObjectNode m = e.putObject("message").put("id", id).put("type", "message").put("role", "assistant")
        .put("model", model);
    m.putArray("content");
    m.putNull("stop_reason");
    m.putNull("stop_sequence");
    m.set("usage", AnthropicUsage.toJson(usage));
    return event("message_start", e);
  }

  static Buffer ping() {
    return event("ping", F.objectNode().put("type", "ping"));
  }

  static Buffer textStart(int index) {
    ObjectNode e = F.objectNode().put("type", "content_block_start").put("index", index);
    e.putObject("content_block").put("type", "text").put("text", "");
    return event("content_block_start", e);
  }

  static Buffer thinkingStart(int index) {
    ObjectNode e = F.objectNode().put("type", "content_block_start").put("index", index);
    e.putObject("content_block").put("type", "thinking").put("thinking", "").put("signature", "");
    return event("content_block_start", e);
  }

  static Buffer toolUseStart(int index, String id, String name) {
    ObjectNode e = F.objectNode().put("type", "content_block_start").put("index", index);
    ObjectNode b = e.putObject("content_block").put("type", "tool_use").put("id", id).put("name", name);
    b.putObject("input");
    return event("content_block_start", e);
  }

  static Buffer textDelta(int index, String text) {
    return delta(index, F.objectNode().put("type", "text_delta").put("text", text));
  }

  static Buffer thinkingDelta(int index, String text) {
    return delta(index, F.objectNode().put("type", "thinking_delta").put("thinking", text));
  }

  static Buffer inputJsonDelta(int index, String partialJson) {
    return delta(index, F.objectNode().put("type", "input_json_delta").put("partial_json", partialJson));
  }

  static Buffer blockStop(int index) {
    return event("content_block_stop", F.objectNode().put("type", "content_block_stop").put("index", index));
  }

  static Buffer messageDelta(String stopReason, Usage usage) {
    ObjectNode e = F.objectNode().put("type", "message_delta");
    e.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
    e.set("usage", AnthropicUsage.toJson(usage));
    return event("message_delta", e);
  }

  static Buffer messageStop() {
    return event("message_stop", F.objectNode().put("type", "message_stop"));
  }

  private static Buffer delta(int index, ObjectNode delta) {
    ObjectNode e = F.objectNode().put("type", "content_block_delta").put("index", index);
    e.set("delta", delta);
    return event("content_block_delta", e);
  }

  private static Buffer event(String name, ObjectNode data) {
    return Buffer.buffer("event: ").appendString(name).appendString("\ndata: ").appendString(data.toString())
        .appendString("\n\n");
  }
}
