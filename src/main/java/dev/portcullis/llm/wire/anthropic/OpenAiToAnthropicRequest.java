package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.wire.DroppedFields;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/** An OpenAI chat completion request as an Anthropic Messages request. Pure function. */
final class OpenAiToAnthropicRequest {
  static final int DEFAULT_MAX_TOKENS = 4096;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  /** Fields this translation reads; every other top-level field is dropped with a warning. */
  private static final Set<String> HANDLED = Set.of("model", "messages", "stream", "stream_options", "max_tokens",
      "max_completion_tokens", "temperature", "top_p", "top_k", "stop", "tools", "tool_choice",
      "parallel_tool_calls", "user", "reasoning_effort", "thinking");

  private OpenAiToAnthropicRequest() {}

  static ObjectNode convert(ObjectMapper json, ObjectNode in, String model, DroppedFields dropped) {
    ObjectNode out = F.objectNode();
    out.put("model", model);
    long maxTokens = in.path("max_completion_tokens").asLong(in.path("max_tokens").asLong(DEFAULT_MAX_TOKENS));
    ArrayNode system = F.arrayNode();
    ArrayNode messages = F.arrayNode();
    for (JsonNode m : in.path("messages")) {
      message(json, m, system, messages, dropped);
    }
    out.put("max_tokens", maxTokens);
    if (!system.isEmpty()) {
      out.set("system", system);
    }
    out.set("messages", messages);
    long budget = thinkingBudget(in);
    if (in.get("thinking") instanceof ObjectNode thinking) {
      out.set("thinking", thinking);
    } else if (budget > 0) {
      out.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
    }
    boolean thinkingOn = out.has("thinking") && !"disabled".equals(out.path("thinking").path("type").asText());
    if (thinkingOn) {
      long b = out.path("thinking").path("budget_tokens").asLong(0);
      if (maxTokens <= b) {
        // max_tokens must exceed the thinking budget
        out.put("max_tokens", dev.portcullis.llm.TokenCount.sum(b, maxTokens));
      }
    }
    samplingParams(in, out, thinkingOn, dropped);
    JsonNode stop = in.get("stop");
    if (stop != null && stop.isTextual()) {
      out.putArray("stop_sequences").add(stop.textValue());
    } else if (stop != null && stop.isArray()) {
      out.set("stop_sequences", stop);
    }
    tools(in, out, dropped);
    if (in.path("user").isTextual()) {
      out.putObject("metadata").put("user_id", in.get("user").textValue());
    }
    if (in.path("stream").asBoolean(false)) {
      out.put("stream", true);
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

  private static long thinkingBudget(ObjectNode in) {
    return switch (in.path("reasoning_effort").asText("")) {
      case "minimal", "low" -> 1024;
      case "medium" -> 4096;
      case "high" -> 16384;
      default -> 0;
    };
  }

  private static void samplingParams(ObjectNode in, ObjectNode out, boolean thinkingOn, DroppedFields dropped) {
    JsonNode t = in.get("temperature");
    if (t != null && t.isNumber()) {
      if (thinkingOn) {
        dropped.drop("temperature (not allowed with extended thinking)");
      } else if (t.doubleValue() > 1.0) {
        out.put("temperature", 1.0);
        dropped.drop("temperature above 1 (clamped to 1)");
      } else {
        out.set("temperature", t);
      }
    }
    JsonNode p = in.get("top_p");
    if (p != null && p.isNumber()) {
      if (thinkingOn) {
        dropped.drop("top_p (not allowed with extended thinking)");
      } else {
        out.set("top_p", p);
      }
    }
    if (in.path("top_k").isNumber() && !thinkingOn) {
      out.set("top_k", in.get("top_k"));
    }
  }

  private static void tools(ObjectNode in, ObjectNode out, DroppedFields dropped) {
    JsonNode tools = in.get("tools");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      ArrayNode list = out.putArray("tools");
      for (JsonNode t : tools) {
        if (!"function".equals(t.path("type").asText("function"))) {
          dropped.drop("tools[type=" + t.path("type").asText() + "]");
          continue;
        }
        JsonNode fn = t.path("function");
        ObjectNode tool = list.addObject().put("name", fn.path("name").asText());
        if (fn.path("description").isTextual()) {
          tool.put("description", fn.get("description").textValue());
        }
        JsonNode params = fn.get("parameters");
        if (params instanceof ObjectNode schema) {
          tool.set("input_schema", schema.has("type") ? schema : schema.deepCopy().put("type", "object"));
        } else {
          tool.putObject("input_schema").put("type", "object").putObject("properties");
        }
      }
    }
    JsonNode choice = in.get("tool_choice");
    ObjectNode tc = null;
    if (choice != null && choice.isTextual()) {
      tc = F.objectNode().put("type", switch (choice.textValue()) {
        case "required" -> "any";
        case "none" -> "none";
        default -> "auto";
      });
    } else if (choice != null && choice.isObject()) {
      tc = F.objectNode().put("type", "tool").put("name", choice.path("function").path("name").asText());
    }
    if (in.path("parallel_tool_calls").isBoolean() && !in.get("parallel_tool_calls").booleanValue()
        && out.has("tools")) {
      if (tc == null) {
        tc = F.objectNode().put("type", "auto");
      }
      if (!"none".equals(tc.path("type").asText())) {
        tc.put("disable_parallel_tool_use", true);
      }
    }
    if (tc != null) {
      out.set("tool_choice", tc);
    }
  }

  private static void message(ObjectMapper json, JsonNode m, ArrayNode system, ArrayNode messages,
      DroppedFields dropped) {
    String role = m.path("role").asText();
    switch (role) {
      case "system", "developer" -> {
        for (JsonNode block : textBlocks(m.get("content"))) {
          system.add(block);
        }
      }
      case "user" -> append(messages, "user", userBlocks(m.get("content"), dropped));
      case "assistant" -> append(messages, "assistant", assistantBlocks(json, m, dropped));
      case "tool" -> {
        ObjectNode result = F.objectNode().put("type", "tool_result")
            .put("tool_use_id", m.path("tool_call_id").asText());
        JsonNode content = m.get("content");
        if (content != null && content.isArray()) {
          result.set("content", textBlocks(content));
        } else {
          result.put("content", content == null || content.isNull() ? "" : content.asText());
        }
        append(messages, "user", F.arrayNode().add(result));
      }
      default -> dropped.drop("messages[role=" + role + "]");
    }
  }

  /** Adds blocks as a message, merged into the previous one when it has the same role. */
  private static void append(ArrayNode messages, String role, ArrayNode blocks) {
    if (blocks.isEmpty()) {
      return;
    }
    JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
    if (last != null && role.equals(last.path("role").asText())) {
      ((ArrayNode) last.get("content")).addAll(blocks);
      return;
    }
    messages.addObject().put("role", role).set("content", blocks);
  }

  private static ArrayNode textBlocks(JsonNode content) {
    ArrayNode out = F.arrayNode();
    if (content == null || content.isNull()) {
      return out;
    }
    if (content.isTextual()) {
      if (!content.textValue().isEmpty()) {
        out.addObject().put("type", "text").put("text", content.textValue());
      }
      return out;
    }
    for (JsonNode part : content) {
      String text = part.isTextual() ? part.textValue() : part.path("text").asText("");
      if (!text.isEmpty()) {
        out.addObject().put("type", "text").put("text", text);
      }
    }
    return out;
  }

  private static ArrayNode userBlocks(JsonNode content, DroppedFields dropped) {
    if (content == null || content.isTextual() || content.isNull()) {
      return textBlocks(content);
    }
    ArrayNode out = F.arrayNode();
    for (JsonNode part : content) {
      String type = part.path("type").asText();
      switch (type) {
        case "text" -> out.addObject().put("type", "text").put("text", part.path("text").asText(""));
        case "image_url" -> out.add(image(part.path("image_url").path("url").asText("")));
        default -> dropped.drop("messages[].content[type=" + type + "]");
      }
    }
    return out;
  }

  /** A data URL becomes a base64 image source; anything else a URL source. */
  static ObjectNode image(String url) {
    ObjectNode block = F.objectNode().put("type", "image");
    ObjectNode source = block.putObject("source");
    int comma = url.indexOf(',');
    if (url.startsWith("data:") && comma > 0 && url.substring(0, comma).endsWith(";base64")) {
      String mediaType = url.substring(5, comma - ";base64".length());
      source.put("type", "base64").put("media_type", mediaType).put("data", url.substring(comma + 1));
    } else {
      source.put("type", "url").put("url", url);
    }
    return block;
  }

  private static ArrayNode assistantBlocks(ObjectMapper json, JsonNode m, DroppedFields dropped) {
    ArrayNode out = textBlocks(m.get("content"));
    for (JsonNode call : m.path("tool_calls")) {
      ObjectNode use = out.addObject().put("type", "tool_use").put("id", call.path("id").asText())
          .put("name", call.path("function").path("name").asText());
      use.set("input", arguments(json, call.path("function").path("arguments").asText(""), dropped));
    }
    return out;
  }

  private static JsonNode arguments(ObjectMapper json, String text, DroppedFields dropped) {
    if (text.isBlank()) {
      return F.objectNode();
    }
    try {
      JsonNode n = json.readTree(text);
      if (n instanceof ObjectNode) {
        return n;
      }
    } catch (IOException e) {
      // falls through
    }
    dropped.drop("tool_calls[].function.arguments (not a JSON object)");
    return F.objectNode();
  }
}
