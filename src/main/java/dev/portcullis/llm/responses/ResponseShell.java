package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The response object the gateway writes for a translated call, before its output: OpenAI's
 * fields in OpenAI's order, the request's settings echoed back with OpenAI's defaults.
 */
final class ResponseShell {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private ResponseShell() {}

  static ObjectNode of(JsonNode request, String id, long createdAt, String model, String status) {
    ObjectNode r = F.objectNode();
    r.put("id", id).put("object", "response").put("created_at", createdAt).put("status", status)
        .put("background", false).putNull("error").putNull("incomplete_details");
    echo(r, request, "instructions");
    echo(r, request, "max_output_tokens");
    r.putNull("max_tool_calls");
    r.put("model", model);
    r.putArray("output");
    r.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
    echo(r, request, "previous_response_id");
    ObjectNode reasoning = r.putObject("reasoning");
    reasoning.set("effort", request.path("reasoning").path("effort").isTextual()
        ? request.path("reasoning").get("effort") : F.nullNode());
    reasoning.set("summary", request.path("reasoning").path("summary").isTextual()
        ? request.path("reasoning").get("summary") : F.nullNode());
    r.put("service_tier", "default");
    r.put("store", request.path("store").asBoolean(true));
    r.set("temperature", number(request.get("temperature"), 1.0));
    ObjectNode text = request.path("text").isObject() ? (ObjectNode) request.get("text").deepCopy() : F.objectNode();
    if (!text.has("format")) {
      text.putObject("format").put("type", "text");
    }
    r.set("text", text);
    r.set("tool_choice", request.hasNonNull("tool_choice") ? request.get("tool_choice") : F.textNode("auto"));
    r.set("tools", request.path("tools").isArray() ? request.get("tools") : F.arrayNode());
    r.set("top_p", number(request.get("top_p"), 1.0));
    r.put("truncation", request.path("truncation").asText("disabled"));
    r.putNull("usage");
    echo(r, request, "user");
    r.set("metadata", request.path("metadata").isObject() ? request.get("metadata") : F.objectNode());
    return r;
  }

  private static void echo(ObjectNode r, JsonNode request, String field) {
    JsonNode v = request.get(field);
    r.set(field, v == null ? F.nullNode() : v);
  }

  private static JsonNode number(JsonNode v, double dflt) {
    return v != null && v.isNumber() ? v : F.numberNode(dflt);
  }

  /** OpenAI's usage object from the gateway's normalised usage. */
  static ObjectNode usage(dev.portcullis.llm.Usage u) {
    ObjectNode o = F.objectNode();
    o.put("input_tokens", u.promptTokens());
    o.putObject("input_tokens_details").put("cached_tokens", u.cachedTokens());
    o.put("output_tokens", u.completionTokens());
    o.putObject("output_tokens_details").put("reasoning_tokens", u.reasoningTokens());
    o.put("total_tokens", u.totalTokens());
    return o;
  }

  /** A chat finish reason's status and incomplete_details reason (null: complete). */
  static String incompleteReason(String finishReason) {
    if (finishReason == null) {
      return null;
    }
    return switch (finishReason) {
      case "length" -> "max_output_tokens";
      case "content_filter" -> "content_filter";
      default -> null;
    };
  }
}
