package dev.portcullis.llm.wire.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.Usage;
import io.vertx.core.buffer.Buffer;

/**
 * Writes OpenAI {@code chat.completion.chunk} server-sent events for translators that turn another
 * provider's stream into OpenAI's. One per stream.
 */
public final class OpenAiChunkWriter {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  private final String id;
  private final String model;
  private final long created;

  public OpenAiChunkWriter(String id, String model, long created) {
    this.id = id;
    this.model = model;
    this.created = created;
  }

  public Buffer role() {
    ObjectNode delta = F.objectNode().put("role", "assistant").put("content", "");
    return event(delta, null);
  }

  public Buffer content(String text) {
    return event(F.objectNode().put("content", text), null);
  }

  /** Reasoning text, as DeepSeek-style {@code reasoning_content} (OpenAI's API has no field for it). */
  public Buffer reasoning(String text) {
    return event(F.objectNode().put("reasoning_content", text), null);
  }

  public Buffer toolCallStart(int index, String callId, String name) {
    ObjectNode delta = F.objectNode();
    ObjectNode call = delta.putArray("tool_calls").addObject().put("index", index).put("id", callId)
        .put("type", "function");
    call.putObject("function").put("name", name).put("arguments", "");
    return event(delta, null);
  }

  public Buffer toolCallArguments(int index, String fragment) {
    ObjectNode delta = F.objectNode();
    delta.putArray("tool_calls").addObject().put("index", index).putObject("function").put("arguments", fragment);
    return event(delta, null);
  }

  public Buffer finish(String finishReason) {
    return event(F.objectNode(), finishReason);
  }

  /** The usage-only chunk OpenAI sends last when {@code stream_options.include_usage} is set. */
  public Buffer usage(Usage u) {
    ObjectNode chunk = header();
    chunk.putArray("choices");
    chunk.set("usage", OpenAiShapes.usage(u));
    return sse(chunk);
  }

  public Buffer done() {
    return DONE.copy();
  }

  private Buffer event(ObjectNode delta, String finishReason) {
    ObjectNode chunk = header();
    ArrayNode choices = chunk.putArray("choices");
    ObjectNode choice = choices.addObject().put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return sse(chunk);
  }

  private ObjectNode header() {
    return F.objectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
        .put("model", model);
  }

  private static Buffer sse(ObjectNode chunk) {
    return Buffer.buffer("data: ").appendString(chunk.toString()).appendString("\n\n");
  }
}
