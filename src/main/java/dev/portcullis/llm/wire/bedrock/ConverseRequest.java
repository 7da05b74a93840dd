package dev.portcullis.llm.wire.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.wire.DroppedFields;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/** An OpenAI chat completion request as a Bedrock Converse request. Pure function. */
final class ConverseRequest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Set<String> HANDLED = Set.of("model", "messages", "stream", "stream_options", "max_tokens",
      "max_completion_tokens", "temperature", "top_p", "stop", "tools", "tool_choice");

  private ConverseRequest() {}

  static ObjectNode convert(ObjectMapper json, ObjectNode in, DroppedFields dropped) {
    ObjectNode out = F.objectNode();
    ArrayNode messages = out.putArray("messages");
    ArrayNode system = F.arrayNode();
    for (JsonNode m : in.path("messages")) {
      String role = m.path("role").asText();
      switch (role) {
        case "system", "developer" -> {
          String t = text(m.get("content"));
          if (!t.isEmpty()) {
            system.addObject().put("text", t);
          }
        }
        case "user" -> append(messages, "user", userBlocks(m.get("content"), dropped));
        case "assistant" -> {
          ArrayNode blocks = F.arrayNode();
          String t = text(m.get("content"));
          if (!t.isEmpty()) {
            blocks.addObject().put("text", t);
          }
          for (JsonNode call : m.path("tool_calls")) {
            ObjectNode use = blocks.addObject().putObject("toolUse").put("toolUseId", call.path("id").asText())
                .put("name", call.path("function").path("name").asText());
            use.set("input", jsonOr(json, call.path("function").path("arguments").asText("{}"), F.objectNode()));
          }
          append(messages, "assistant", blocks);
        }
        case "tool" -> {
          ArrayNode blocks = F.arrayNode();
          ObjectNode result = blocks.addObject().putObject("toolResult")
              .put("toolUseId", m.path("tool_call_id").asText());
          String t = text(m.get("content"));
          JsonNode parsed = jsonOr(json, t, null);
          if (parsed != null && parsed.isObject()) {
            result.putArray("content").addObject().set("json", parsed);
          } else {
            result.putArray("content").addObject().put("text", t);
          }
          append(messages, "user", blocks);
        }
        default -> dropped.drop("messages[role=" + role + "]");
      }
    }
    if (!system.isEmpty()) {
      out.set("system", system);
    }
    ObjectNode inference = F.objectNode();
    JsonNode max = in.has("max_completion_tokens") ? in.get("max_completion_tokens") : in.get("max_tokens");
    if (max != null && max.isNumber()) {
      inference.set("maxTokens", max);
    }
    if (in.path("temperature").isNumber()) {
      inference.set("temperature", in.get("temperature"));
    }
    if (in.path("top_p").isNumber()) {
      inference.set("topP", in.get("top_p"));
    }
    JsonNode stop = in.get("stop");
    if (stop != null && stop.isTextual()) {
      inference.putArray("stopSequences").add(stop.textValue());
    } else if (stop != null && stop.isArray()) {
      inference.set("stopSequences", stop);
    }
    if (!inference.isEmpty()) {
      out.set("inferenceConfig", inference);
    }
    tools(in, out, dropped);
    Iterator<String> names = in.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!HANDLED.contains(n)) {
        dropped.drop(n);
      }
    }
    return out;
  }

  private static void tools(ObjectNode in, ObjectNode out, DroppedFields dropped) {
    JsonNode tools = in.get("tools");
    if (tools == null || !tools.isArray() || tools.isEmpty()) {
      return;
    }
    ObjectNode config = out.putObject("toolConfig");
    ArrayNode list = config.putArray("tools");
    for (JsonNode t : tools) {
      JsonNode fn = t.path("function");
      ObjectNode spec = list.addObject().putObject("toolSpec").put("name", fn.path("name").asText());
      if (fn.path("description").isTextual()) {
        spec.put("description", fn.get("description").textValue());
      }
      JsonNode params = fn.get("parameters");
      spec.putObject("inputSchema").set("json", params instanceof ObjectNode ? params
          : F.objectNode().put("type", "object"));
    }
    JsonNode choice = in.get("tool_choice");
    if (choice == null) {
      return;
    }
    if (choice.isObject()) {
      config.putObject("toolChoice").putObject("tool").put("name", choice.path("function").path("name").asText());
    } else if ("required".equals(choice.asText())) {
      config.putObject("toolChoice").putObject("any");
    } else if ("auto".equals(choice.asText())) {
      config.putObject("toolChoice").putObject("auto");
    } else {
      dropped.drop("tool_choice=" + choice.asText());
    }
  }

  private static ArrayNode userBlocks(JsonNode content, DroppedFields dropped) {
    ArrayNode blocks = F.arrayNode();
    if (content == null || !content.isArray()) {
      String t = text(content);
      if (!t.isEmpty()) {
        blocks.addObject().put("text", t);
      }
      return blocks;
    }
    for (JsonNode p : content) {
      String type = p.path("type").asText();
      String url = p.path("image_url").path("url").asText("");
      int comma = url.indexOf(',');
      if (type.equals("text")) {
        blocks.addObject().put("text", p.path("text").asText(""));
      } else if (type.equals("image_url") && url.startsWith("data:image/") && comma > 0) {
        String format = url.substring("data:image/".length(), url.indexOf(';'));
        ObjectNode image = blocks.addObject().putObject("image").put("format", format.equals("jpg") ? "jpeg" : format);
        image.putObject("source").put("bytes", url.substring(comma + 1));
      } else {
        dropped.drop("messages[].content[type=" + type + (type.equals("image_url") ? " by URL" : "") + "]");
      }
    }
    return blocks;
  }

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

  private static String text(JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    StringBuilder sb = new StringBuilder();
    content.forEach(p -> sb.append(p.path("text").asText("")));
    return sb.toString();
  }

  private static JsonNode jsonOr(ObjectMapper json, String text, JsonNode fallback) {
    try {
      JsonNode n = json.readTree(text);
      return n != null && n.isObject() ? n : fallback;
    } catch (IOException e) {
      return fallback;
    }
  }
}
