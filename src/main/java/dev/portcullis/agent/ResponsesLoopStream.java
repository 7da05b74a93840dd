package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * A finished tool loop's Responses answer as the Responses API streams it: created, in progress,
 * then each output item with its own events ({@code mcp_list_tools}, {@code mcp_call} with its
 * arguments, {@code message} text, the client's {@code function_call}s), then completed. One
 * instance per stream: it numbers the events.
 */
final class ResponsesLoopStream {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final Buffer out = Buffer.buffer();
  private int sequence;

  Buffer events(ObjectNode answer) {
    ObjectNode shell = answer.deepCopy();
    shell.put("status", "in_progress").putArray("output");
    shell.putNull("usage");
    emit(F.objectNode().put("type", "response.created").set("response", shell));
    emit(F.objectNode().put("type", "response.in_progress").set("response", shell));
    ArrayNode output = (ArrayNode) answer.path("output");
    for (int i = 0; i < output.size(); i++) {
      item(i, (ObjectNode) output.get(i));
    }
    emit(F.objectNode().put("type", "response.completed").set("response", answer));
    return out;
  }

  private void item(int index, ObjectNode item) {
    String id = item.path("id").asText();
    String type = item.path("type").asText();
    ObjectNode added = item.deepCopy();
    if (type.equals("mcp_list_tools")) {
      added.putArray("tools");
    } else if (type.equals("mcp_call")) {
      added.put("status", "in_progress").put("arguments", "").putNull("output");
      added.putNull("error");
    } else if (type.equals("message")) {
      added.put("status", "in_progress").putArray("content");
    } else if (type.equals("function_call")) {
      added.put("status", "in_progress").put("arguments", "");
    }
    emit(at(F.objectNode().put("type", "response.output_item.added"), index).set("item", added));
    switch (type) {
      case "mcp_list_tools" -> {
        emit(at(of("response.mcp_list_tools.in_progress", id), index));
        emit(at(of("response.mcp_list_tools.completed", id), index));
      }
      case "mcp_call" -> {
        String args = item.path("arguments").asText();
        emit(at(of("response.mcp_call.in_progress", id), index));
        emit(at(of("response.mcp_call_arguments.delta", id), index).put("delta", args));
        emit(at(of("response.mcp_call_arguments.done", id), index).put("arguments", args));
        emit(at(of("response.mcp_call." + ("failed".equals(item.path("status").asText()) ? "failed" : "completed"),
            id), index));
      }
      case "message" -> message(index, item);
      case "function_call" -> {
        String args = item.path("arguments").asText();
        emit(at(of("response.function_call_arguments.delta", id), index).put("delta", args));
        emit(at(of("response.function_call_arguments.done", id), index).put("arguments", args));
      }
      default -> { }
    }
    emit(at(F.objectNode().put("type", "response.output_item.done"), index).set("item", item));
  }

  private void message(int index, ObjectNode item) {
    String id = item.path("id").asText();
    JsonNode content = item.path("content");
    for (int c = 0; c < content.size(); c++) {
      JsonNode part = content.get(c);
      ObjectNode empty = part.deepCopy();
      if (part.has("text")) {
        empty.put("text", "");
      }
      emit(at(of("response.content_part.added", id), index).put("content_index", c).set("part", empty));
      if ("output_text".equals(part.path("type").asText())) {
        String text = part.path("text").asText();
        emit(at(of("response.output_text.delta", id), index).put("content_index", c).put("delta", text)
            .set("logprobs", F.arrayNode()));
        emit(at(of("response.output_text.done", id), index).put("content_index", c).put("text", text)
            .set("logprobs", F.arrayNode()));
      }
      emit(at(of("response.content_part.done", id), index).put("content_index", c).set("part", part));
    }
  }

  private static ObjectNode of(String type, String itemId) {
    return F.objectNode().put("type", type).put("item_id", itemId);
  }

  private static ObjectNode at(ObjectNode event, int index) {
    return event.put("output_index", index);
  }

  private void emit(JsonNode event) {
    ObjectNode e = (ObjectNode) event;
    e.put("sequence_number", sequence++);
    out.appendString("event: " + e.path("type").asText() + "\ndata: " + e + "\n\n");
  }
}
