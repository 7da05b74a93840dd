package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.InvalidParameterException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/** Item types and ids of the Responses API, and the input as a list of items. */
public final class ResponseItems {
  /** Every input item type OpenAI accepts; an item of another type is refused (400). */
  static final Set<String> INPUT_TYPES = Set.of("message", "function_call", "function_call_output", "reasoning",
      "item_reference", "file_search_call", "computer_call", "computer_call_output", "web_search_call",
      "image_generation_call", "code_interpreter_call", "local_shell_call", "local_shell_call_output",
      "shell_call", "shell_call_output", "apply_patch_call", "apply_patch_call_output", "mcp_list_tools",
      "mcp_approval_request", "mcp_approval_response", "mcp_call", "custom_tool_call", "custom_tool_call_output",
      "compaction", "tool_search_call", "tool_search_output");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private ResponseItems() {}

  /** A new id in OpenAI's style: the prefix, an underscore, 48 hex digits. */
  public static String newId(String prefix) {
    byte[] b = new byte[24];
    RANDOM.nextBytes(b);
    return prefix + "_" + HexFormat.of().formatHex(b);
  }

  /** The item's type; an easy input message ({@code {role, content}}) has none and is a message. */
  static String typeOf(JsonNode item, String at) {
    JsonNode type = item.get("type");
    if (type == null || type.isNull()) {
      if (item.has("role")) {
        return "message";
      }
      throw new InvalidParameterException(at + ".type", "Missing required parameter: '" + at + ".type'.");
    }
    if (!type.isTextual() || !INPUT_TYPES.contains(type.textValue())) {
      throw new InvalidParameterException(at + ".type", "Invalid value: '" + type.asText() + "'. Supported values"
          + " are the input item types of the Responses API (" + String.join(", ", INPUT_TYPES.stream().sorted()
          .toList()) + ").");
    }
    return type.textValue();
  }

  /** Checks {@code input}: a string, or an array of objects of known types. */
  public static void check(JsonNode input) {
    if (input == null || input.isNull() || input.isTextual()) {
      return;
    }
    if (!input.isArray()) {
      throw new InvalidParameterException("input", "Invalid type for 'input': expected a string or an array of items.");
    }
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      if (!item.isObject()) {
        throw new InvalidParameterException("input[" + i + "]", "Invalid type for 'input[" + i
            + "]': expected an object.");
      }
      typeOf(item, "input[" + i + "]");
    }
  }

  /** The input as a list of items: a string is one user message. */
  public static ArrayNode asItems(JsonNode input) {
    if (input == null || input.isNull()) {
      return F.arrayNode();
    }
    if (input.isTextual()) {
      ArrayNode items = F.arrayNode();
      items.addObject().put("type", "message").put("role", "user").put("content", input.textValue());
      return items;
    }
    return ((ArrayNode) input).deepCopy();
  }

  /**
   * The input items as {@code GET /v1/responses/{id}/input_items} lists them: each with an id
   * (derived from the response's id and its place, so that it is the same on every read), a type,
   * and a message's content as parts.
   */
  public static ArrayNode listed(String responseId, JsonNode items) {
    ArrayNode out = F.arrayNode();
    String suffix = responseId.startsWith("resp_") ? responseId.substring(5) : responseId;
    for (int i = 0; i < items.size(); i++) {
      ObjectNode item = ((ObjectNode) items.get(i)).deepCopy();
      String type = item.path("type").asText("message");
      if (!item.has("type")) {
        item.put("type", "message");
      }
      if (!item.has("id")) {
        item.put("id", prefix(type) + "_" + suffix + String.format("%04d", i));
      }
      if (type.equals("message") && item.path("content").isTextual()) {
        String role = item.path("role").asText();
        String text = item.get("content").textValue();
        item.putArray("content").addObject().put("type", role.equals("assistant") ? "output_text" : "input_text")
            .put("text", text);
      }
      if (type.equals("message") && !item.has("status")) {
        item.put("status", "completed");
      }
      out.add(item);
    }
    return out;
  }

  private static String prefix(String type) {
    return switch (type) {
      case "message" -> "msg";
      case "function_call" -> "fc";
      case "function_call_output" -> "fco";
      case "reasoning" -> "rs";
      default -> "item";
    };
  }

  /**
   * The conversation a response continues, then the new input: the earlier response's
   * conversation, its output items, and {@code input}. (Its instructions are not carried over,
   * as on OpenAI.)
   */
  public static ArrayNode continued(StoredResponse previous, JsonNode input) {
    ArrayNode items = previous.input().deepCopy();
    for (JsonNode item : previous.response().path("output")) {
      items.add(item.deepCopy());
    }
    items.addAll(asItems(input));
    return items;
  }
}
