package dev.portcullis.llm.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.guard.GuardStream;
import dev.portcullis.llm.ClientFormat;
import dev.portcullis.llm.SseEventSplitter;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Restores and scans an Anthropic Messages answer for the client, plain or streamed. In a
 * stream each content block is a channel (text_delta text, input_json_delta partial_json);
 * what a channel held back goes out as one more delta just before the block's
 * {@code content_block_stop}.
 */
final class AnthropicGuardFilter extends GuardFilterBase {
  /** The delta type of each open block, for the extra delta that flushes it. */
  private final Map<Integer, String> deltaTypes = new HashMap<>();

  AnthropicGuardFilter(ObjectMapper json, GuardSession session) {
    super(json, session, ClientFormat.ANTHROPIC);
  }

  @Override
  public void event(Buffer event, Consumer<Buffer> out) {
    String data = SseEventSplitter.data(event);
    if (data == null) {
      out.accept(event);
      return;
    }
    JsonNode tree;
    try {
      tree = json.readTree(data);
    } catch (IOException e) {
      out.accept(event);
      return;
    }
    if (!(tree instanceof ObjectNode ev)) {
      out.accept(event);
      return;
    }
    String type = ev.path("type").asText("");
    int index = ev.path("index").asInt(0);
    switch (type) {
      case "content_block_delta" -> {
        if (ev.get("delta") instanceof ObjectNode delta) {
          String dt = delta.path("type").asText("");
          String field = dt.equals("text_delta") ? "text" : dt.equals("input_json_delta") ? "partial_json" : null;
          if (field != null && delta.get(field) != null && delta.get(field).isTextual()) {
            deltaTypes.put(index, dt);
            String in = delta.get(field).textValue();
            String sent = stream(Integer.toString(index)).push(in);
            if (!sent.equals(in)) {
              delta.set(field, TextNode.valueOf(sent));
              write(out, type, ev);
              return;
            }
          }
        }
        out.accept(event);
      }
      case "content_block_stop" -> {
        flush(index, out);
        out.accept(event);
      }
      case "message_stop" -> {
        end(out);
        out.accept(event);
      }
      default -> out.accept(event);
    }
  }

  @Override
  public void end(Consumer<Buffer> out) {
    for (String channel : new java.util.ArrayList<>(streams.keySet())) {
      flush(Integer.parseInt(channel), out);
    }
  }

  private void flush(int index, Consumer<Buffer> out) {
    GuardStream s = streams.remove(Integer.toString(index));
    if (s == null) {
      return;
    }
    String rest = s.finish();
    if (rest.isEmpty()) {
      return;
    }
    String dt = deltaTypes.getOrDefault(index, "text_delta");
    ObjectNode ev = json.createObjectNode().put("type", "content_block_delta").put("index", index);
    ev.putObject("delta").put("type", dt).put(dt.equals("text_delta") ? "text" : "partial_json", rest);
    write(out, "content_block_delta", ev);
  }

  private void write(Consumer<Buffer> out, String type, ObjectNode ev) {
    try {
      out.accept(sse(type, json.writeValueAsString(ev)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
