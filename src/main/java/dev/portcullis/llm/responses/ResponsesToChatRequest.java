package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.InvalidParameterException;
import dev.portcullis.llm.UnsupportedRequestException;
import dev.portcullis.llm.wire.DroppedFields;
import java.util.Map;
import java.util.Set;

/**
 * A Responses API request as an OpenAI chat completions request, for providers without the
 * Responses API: instructions and input items become messages, function tools and tool choice
 * carry over, {@code max_output_tokens} becomes {@code max_tokens}, {@code text.format} becomes
 * {@code response_format}. What chat completions cannot express is dropped and reported to
 * {@link DroppedFields}; input it cannot even read is refused (the field map is in docs/providers.md).
 */
public final class ResponsesToChatRequest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  /** Fields that carry over under the same name and meaning. */
  private static final Set<String> SAME = Set.of("model", "stream", "temperature", "top_p", "parallel_tool_calls",
      "user", "top_logprobs");
  /** Fields the gateway acts on itself, or that only shape the answer it writes: not dropped. */
  private static final Set<String> HANDLED = Set.of("input", "instructions", "tools", "tool_choice",
      "max_output_tokens", "text", "reasoning", "metadata", "store", "previous_response_id");
  private static final Map<String, String> ROLES = Map.of("user", "user", "assistant", "assistant",
      "system", "system", "developer", "system");

  private ResponsesToChatRequest() {}

  /**
   * The chat request.
   *
   * @throws InvalidParameterException when the input is malformed (a client error on any provider)
   * @throws UnsupportedRequestException when it holds items a chat provider cannot be given
   */
  public static ObjectNode convert(JsonNode body, DroppedFields dropped) {
    ObjectNode chat = F.objectNode();
    ArrayNode messages = chat.putArray("messages");
    JsonNode instructions = body.get("instructions");
    if (instructions != null && !instructions.isNull()) {
      if (!instructions.isTextual()) {
        throw new InvalidParameterException("instructions", "Invalid type for 'instructions': expected a string.");
      }
      messages.addObject().put("role", "system").put("content", instructions.textValue());
    }
    input(body.get("input"), messages, dropped);
    var names = body.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (SAME.contains(name)) {
        chat.set(name, body.get(name));
      } else if (!HANDLED.contains(name) && !body.get(name).isNull()) {
        dropped.drop(name);
      }
    }
    if (body.path("stream").asBoolean(false)) {
      chat.putObject("stream_options").put("include_usage", true); // the final event must carry usage
    }
    JsonNode max = body.get("max_output_tokens");
    if (max != null && !max.isNull()) {
      chat.set("max_tokens", max);
    }
    String effort = body.path("reasoning").path("effort").asText(null);
    if (effort != null) {
      chat.put("reasoning_effort", effort);
    }
    if (body.path("reasoning").has("summary") && !body.path("reasoning").path("summary").isNull()) {
      dropped.drop("reasoning.summary");
    }
    tools(body.get("tools"), chat, dropped);
    toolChoice(body.get("tool_choice"), chat, dropped);
    textFormat(body.path("text"), chat, dropped);
    return chat;
  }

  private static void input(JsonNode input, ArrayNode messages, DroppedFields dropped) {
    if (input == null || input.isNull()) {
      return;
    }
    if (input.isTextual()) {
      messages.addObject().put("role", "user").put("content", input.textValue());
      return;
    }
    if (!input.isArray()) {
      throw new InvalidParameterException("input", "Invalid type for 'input': expected a string or an array of items.");
    }
    for (int i = 0; i < input.size(); i++) {
      item(input.get(i), i, messages, dropped);
    }
  }

  private static void item(JsonNode item, int i, ArrayNode messages, DroppedFields dropped) {
    String at = "input[" + i + "]";
    if (!item.isObject()) {
      throw new InvalidParameterException(at, "Invalid type for '" + at + "': expected an object.");
    }
    String type = ResponseItems.typeOf(item, at);
    switch (type) {
      case "message" -> message(item, at, messages);
      case "function_call" -> {
        String callId = requiredText(item, "call_id", at);
        ObjectNode call = F.objectNode().put("id", callId).put("type", "function");
        call.putObject("function").put("name", requiredText(item, "name", at))
            .put("arguments", requiredText(item, "arguments", at));
        ObjectNode last = messages.isEmpty() ? null : (ObjectNode) messages.get(messages.size() - 1);
        if (last != null && "assistant".equals(last.path("role").asText())) {
          ArrayNode calls = last.has("tool_calls") ? (ArrayNode) last.get("tool_calls") : last.putArray("tool_calls");
          calls.add(call);
        } else {
          messages.addObject().put("role", "assistant").putNull("content").putArray("tool_calls").add(call);
        }
      }
      case "function_call_output" -> {
        JsonNode output = item.get("output");
        String text;
        if (output != null && output.isTextual()) {
          text = output.textValue();
        } else if (output != null && output.isArray()) {
          text = joinedText(output, at + ".output");
        } else {
          throw new InvalidParameterException(at + ".output", "Missing required parameter: '" + at + ".output'.");
        }
        messages.addObject().put("role", "tool").put("tool_call_id", requiredText(item, "call_id", at))
            .put("content", text);
      }
      case "reasoning" -> dropped.drop(at + " (reasoning)"); // a chat provider takes no reasoning back
      default -> throw new UnsupportedRequestException("Input item type '" + type + "' (" + at
          + ") cannot be sent to a provider without the Responses API.");
    }
  }

  /** Easy input messages ({@code {role, content}}) and typed message items alike. */
  private static void message(JsonNode item, String at, ArrayNode messages) {
    String role = requiredText(item, "role", at);
    String chatRole = ROLES.get(role);
    if (chatRole == null) {
      throw new InvalidParameterException(at + ".role", "Invalid value: '" + role + "'. Supported values are: "
          + "'user', 'assistant', 'system', and 'developer'.");
    }
    JsonNode content = item.get("content");
    ObjectNode m = messages.addObject().put("role", chatRole);
    if (content != null && content.isTextual()) {
      m.put("content", content.textValue());
      return;
    }
    if (content == null || !content.isArray()) {
      throw new InvalidParameterException(at + ".content", "Invalid type for '" + at
          + ".content': expected a string or an array of content parts.");
    }
    boolean assistant = chatRole.equals("assistant");
    boolean plain = assistant || chatRole.equals("system");
    ArrayNode parts = F.arrayNode();
    StringBuilder text = new StringBuilder();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String pat = at + ".content[" + j + "]";
      String type = part.path("type").asText("");
      switch (type) {
        case "input_text", "output_text" -> {
          String t = requiredText(part, "text", pat);
          text.append(t);
          parts.addObject().put("type", "text").put("text", t);
        }
        case "refusal" -> {
          if (!assistant) {
            throw new InvalidParameterException(pat + ".type", "A refusal part belongs to an assistant message.");
          }
          m.put("refusal", requiredText(part, "refusal", pat));
        }
        case "input_image" -> {
          if (plain) {
            throw new InvalidParameterException(pat + ".type", "Images belong to user messages.");
          }
          JsonNode url = part.get("image_url");
          if (url == null || !url.isTextual()) {
            throw new UnsupportedRequestException("An input_image without image_url (" + pat
                + ", a file_id) cannot be sent to a provider without the Responses API.");
          }
          ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url")
              .put("url", url.textValue());
          String detail = part.path("detail").asText(null);
          if (detail != null) {
            image.put("detail", detail);
          }
        }
        case "input_file", "input_audio" -> throw new UnsupportedRequestException("Content part type '" + type
            + "' (" + pat + ") cannot be sent to a provider without the Responses API.");
        default -> throw new InvalidParameterException(pat + ".type", "Invalid value: '" + type
            + "'. Supported values are: 'input_text', 'input_image', 'input_file', 'output_text' and 'refusal'.");
      }
    }
    if (plain) {
      m.put("content", text.toString());
    } else {
      m.set("content", parts);
    }
  }

  private static String joinedText(JsonNode parts, String at) {
    StringBuilder text = new StringBuilder();
    for (JsonNode p : parts) {
      if (!"input_text".equals(p.path("type").asText())) {
        throw new UnsupportedRequestException("Only text tool outputs (" + at
            + ") can be sent to a provider without the Responses API.");
      }
      text.append(p.path("text").asText(""));
    }
    return text.toString();
  }

  private static void tools(JsonNode tools, ObjectNode chat, DroppedFields dropped) {
    if (tools == null || tools.isNull()) {
      return;
    }
    if (!tools.isArray()) {
      throw new InvalidParameterException("tools", "Invalid type for 'tools': expected an array.");
    }
    ArrayNode out = F.arrayNode();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      String at = "tools[" + i + "]";
      String type = t.path("type").asText("");
      if (!type.equals("function")) {
        dropped.drop(at + " (" + (type.isEmpty() ? "no type" : type) + ")"); // hosted tools need OpenAI itself
        continue;
      }
      ObjectNode fn = out.addObject().put("type", "function").putObject("function");
      fn.put("name", requiredText(t, "name", at));
      for (String f : new String[] {"description", "parameters", "strict"}) {
        if (t.has(f) && !t.get(f).isNull()) {
          fn.set(f, t.get(f));
        }
      }
    }
    if (!out.isEmpty()) {
      chat.set("tools", out);
    }
  }

  private static void toolChoice(JsonNode choice, ObjectNode chat, DroppedFields dropped) {
    if (choice == null || choice.isNull() || !chat.has("tools") && !choice.isTextual()) {
      return;
    }
    if (choice.isTextual()) {
      if (chat.has("tools")) {
        chat.set("tool_choice", choice);
      }
      return;
    }
    if ("function".equals(choice.path("type").asText()) && choice.path("name").isTextual()) {
      chat.putObject("tool_choice").put("type", "function").putObject("function")
          .put("name", choice.get("name").textValue());
      return;
    }
    dropped.drop("tool_choice");
  }

  private static void textFormat(JsonNode text, ObjectNode chat, DroppedFields dropped) {
    JsonNode format = text.path("format");
    if (text.has("verbosity")) {
      dropped.drop("text.verbosity");
    }
    switch (format.path("type").asText("text")) {
      case "text" -> { }
      case "json_object" -> chat.putObject("response_format").put("type", "json_object");
      case "json_schema" -> {
        ObjectNode schema = chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        schema.put("name", requiredText(format, "name", "text.format"));
        for (String f : new String[] {"schema", "strict", "description"}) {
          if (format.has(f) && !format.get(f).isNull()) {
            schema.set(f, format.get(f));
          }
        }
      }
      default -> throw new InvalidParameterException("text.format.type", "Invalid value: '"
          + format.path("type").asText() + "'. Supported values are: 'text', 'json_object' and 'json_schema'.");
    }
  }

  private static String requiredText(JsonNode o, String field, String at) {
    JsonNode v = o.get(field);
    if (v == null || !v.isTextual()) {
      throw new InvalidParameterException(at + "." + field, "Missing required parameter: '" + at + "." + field
          + "' (a string).");
    }
    return v.textValue();
  }
}
