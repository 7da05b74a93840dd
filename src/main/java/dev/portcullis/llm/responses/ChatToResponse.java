package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.Usage;

/**
 * A chat completion as a Responses API response: reasoning, then the message (text or refusal),
 * then one function_call item per tool call; a {@code length} finish is an incomplete response.
 */
final class ChatToResponse {
  private ChatToResponse() {}

  static ObjectNode convert(JsonNode request, JsonNode chat, String model, Usage usage) {
    long created = chat.path("created").asLong(System.currentTimeMillis() / 1000);
    ObjectNode r = ResponseShell.of(request, ResponseItems.newId("resp"), created, model, "completed");
    ArrayNode output = (ArrayNode) r.get("output");
    JsonNode choice = chat.path("choices").path(0);
    JsonNode message = choice.path("message");
    String reasoning = message.path("reasoning_content").asText("");
    if (!reasoning.isEmpty()) {
      output.add(reasoningItem(ResponseItems.newId("rs"), reasoning));
    }
    String text = message.path("content").asText("");
    String refusal = message.path("refusal").asText("");
    if (!text.isEmpty() || !refusal.isEmpty()) {
      ObjectNode item = messageItem(ResponseItems.newId("msg"), "completed");
      ArrayNode content = (ArrayNode) item.get("content");
      if (!text.isEmpty()) {
        content.add(textPart(text));
      }
      if (!refusal.isEmpty()) {
        content.addObject().put("type", "refusal").put("refusal", refusal);
      }
      output.add(item);
    }
    for (JsonNode call : message.path("tool_calls")) {
      JsonNode fn = call.path("function");
      output.add(functionCall(ResponseItems.newId("fc"), call.path("id").asText(ResponseItems.newId("call")),
          fn.path("name").asText(""), fn.path("arguments").asText(""), "completed"));
    }
    String incomplete = ResponseShell.incompleteReason(choice.path("finish_reason").asText(null));
    if (incomplete != null) {
      r.put("status", "incomplete");
      r.putObject("incomplete_details").put("reason", incomplete);
    }
    r.set("usage", ResponseShell.usage(usage));
    return r;
  }

  static ObjectNode messageItem(String id, String status) {
    ObjectNode item = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    item.put("id", id).put("type", "message").put("status", status).putArray("content");
    item.put("role", "assistant");
    return item;
  }

  static ObjectNode textPart(String text) {
    ObjectNode part = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    part.put("type", "output_text").putArray("annotations");
    part.putArray("logprobs");
    part.put("text", text);
    return part;
  }

  static ObjectNode functionCall(String id, String callId, String name, String arguments, String status) {
    return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("id", id)
        .put("type", "function_call").put("status", status).put("arguments", arguments).put("call_id", callId)
        .put("name", name);
  }

  static ObjectNode reasoningItem(String id, String summary) {
    ObjectNode item = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    item.put("id", id).put("type", "reasoning");
    ArrayNode s = item.putArray("summary");
    if (summary != null) {
      s.addObject().put("type", "summary_text").put("text", summary);
    }
    return item;
  }
}
