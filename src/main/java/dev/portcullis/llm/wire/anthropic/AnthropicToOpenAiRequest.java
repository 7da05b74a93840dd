package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.wire.DroppedFields;
import java.util.Iterator;
import java.util.Set;

/** An Anthropic Messages request as an OpenAI chat completion request. Pure function. */
final class AnthropicToOpenAiRequest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Set<String> HANDLED = Set.of("model", "messages", "system", "max_tokens", "stream",
      "temperature", "top_p", "stop_sequences", "tools", "tool_choice", "metadata");

  private AnthropicToOpenAiRequest() {}

  static ObjectNode convert(ObjectNode in, DroppedFields dropped) {
    ObjectNode out = F.objectNode();
    out.put("model", in.path("model").asText());
    ArrayNode messages = out.putArray("messages");
    JsonNode system = in.get("system");
    if (system != null && !system.isNull()) {
      String text = joinText(system);
      if (!text.isEmpty()) {
        messages.addObject().put("role", "system").put("content", text);
      }
    }
    for (JsonNode m : in.path("messages")) {
      if ("assistant".equals(m.path("role").asText())) {
        assistant(m.get("content"), messages, dropped);
      } else if ("system".equals(m.path("role").asText())) {
        // system text inside the conversation (Claude Code sends its environment so) stays system text,
        // not words the user said
        String text = joinText(m.get("content"));
        if (!text.isEmpty()) {
          messages.addObject().put("role", "system").put("content", text);
        }
      } else {
        user(m.get("content"), messages, dropped);
      }
    }
    if (in.has("max_tokens")) {
      out.set("max_tokens", in.get("max_tokens"));
    }
    copyNumber(in, out, "temperature");
    copyNumber(in, out, "top_p");
    if (in.path("stop_sequences").isArray() && !in.get("stop_sequences").isEmpty()) {
      out.set("stop", in.get("stop_sequences"));
    }
    tools(in, out, dropped);
    if (in.path("metadata").path("user_id").isTextual()) {
      out.put("user", in.get("metadata").get("user_id").textValue());
    }
    if (in.path("stream").asBoolean(false)) {
      out.put("stream", true);
      out.putObject("stream_options").put("include_usage", true);
    }
    Iterator<String> names = in.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!HANDLED.contains(n)) {
        dropped.drop(n);
      }
    }
    return out;
  }

  private static void copyNumber(JsonNode in, ObjectNode out, String field) {
    if (in.path(field).isNumber()) {
      out.set(field, in.get(field));
    }
  }

  private static void tools(ObjectNode in, ObjectNode out, DroppedFields dropped) {
    JsonNode tools = in.get("tools");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      ArrayNode list = F.arrayNode();
      for (JsonNode t : tools) {
        String type = t.path("type").asText("custom");
        if (!type.equals("custom") || !t.has("input_schema")) {
          dropped.drop("tools[type=" + type + "]");
          continue;
        }
        ObjectNode fn = list.addObject().put("type", "function").putObject("function");
        fn.put("name", t.path("name").asText());
        if (t.path("description").isTextual()) {
          fn.put("description", t.get("description").textValue());
        }
        fn.set("parameters", t.get("input_schema"));
      }
      if (!list.isEmpty()) {
        out.set("tools", list);
      }
    }
    JsonNode choice = in.get("tool_choice");
    if (choice != null && choice.isObject() && out.has("tools")) {
      switch (choice.path("type").asText()) {
        case "any" -> out.put("tool_choice", "required");
        case "none" -> out.put("tool_choice", "none");
        case "tool" -> out.putObject("tool_choice").put("type", "function").putObject("function")
            .put("name", choice.path("name").asText());
        default -> out.put("tool_choice", "auto");
      }
      if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
        out.put("parallel_tool_calls", false);
      }
    }
  }

  private static void user(JsonNode content, ArrayNode messages, DroppedFields dropped) {
    if (content == null || content.isTextual()) {
      messages.addObject().put("role", "user").put("content", content == null ? "" : content.textValue());
      return;
    }
    ArrayNode parts = F.arrayNode();
    for (JsonNode block : content) {
      switch (block.path("type").asText()) {
        case "text" -> parts.addObject().put("type", "text").put("text", block.path("text").asText(""));
        case "image" -> {
          JsonNode src = block.path("source");
          String url = "base64".equals(src.path("type").asText())
              ? "data:" + src.path("media_type").asText() + ";base64," + src.path("data").asText()
              : src.path("url").asText();
          parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
        }
        case "tool_result" -> { // OpenAI wants tool results as their own messages, before the user's text
          ObjectNode tool = messages.addObject().put("role", "tool")
              .put("tool_call_id", block.path("tool_use_id").asText());
          String text = joinText(block.get("content"));
          tool.put("content", block.path("is_error").asBoolean(false) ? "Error: " + text : text);
        }
        default -> dropped.drop("messages[].content[type=" + block.path("type").asText() + "]");
      }
    }
    if (!parts.isEmpty()) {
      messages.addObject().put("role", "user").set("content", parts);
    }
  }

  private static void assistant(JsonNode content, ArrayNode messages, DroppedFields dropped) {
    ObjectNode m = F.objectNode().put("role", "assistant");
    if (content == null || content.isTextual()) {
      messages.add(m.put("content", content == null ? "" : content.textValue()));
      return;
    }
    StringBuilder text = new StringBuilder();
    ArrayNode calls = F.arrayNode();
    for (JsonNode block : content) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText(""));
        case "tool_use" -> {
          ObjectNode call = calls.addObject().put("id", block.path("id").asText()).put("type", "function");
          call.putObject("function").put("name", block.path("name").asText())
              .put("arguments", block.path("input").toString());
        }
        case "thinking", "redacted_thinking" -> { } // earlier reasoning: not replayable to OpenAI
        default -> dropped.drop("messages[].content[type=" + block.path("type").asText() + "]");
      }
    }
    if (text.length() == 0 && !calls.isEmpty()) {
      m.putNull("content");
    } else {
      m.put("content", text.toString());
    }
    if (!calls.isEmpty()) {
      m.set("tool_calls", calls);
    }
    messages.add(m);
  }

  /** The text of a string or of an array of text blocks. */
  static String joinText(JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode b : content) {
      if (b.has("text")) {
        if (sb.length() > 0) {
          sb.append('\n');
        }
        sb.append(b.path("text").asText());
      }
    }
    return sb.toString();
  }
}
