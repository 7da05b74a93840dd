package dev.portcullis.llm.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * What the demo model says, decided only by the request: an echo of the last user message, a
 * call to the first offered tool, or a summary of a tool's result. Same request, same answer.
 */
final class DemoReplies {
  private static final int MAX_ECHO = 200;

  private DemoReplies() {}

  /** A tool call the demo model decides to make, or null to answer in text. */
  record ToolCall(String id, String name, String arguments) {}

  static ToolCall toolCall(ObjectMapper json, JsonNode body) {
    JsonNode tools = body.get("tools");
    if (tools == null || !tools.isArray() || tools.isEmpty()) {
      return null;
    }
    JsonNode choice = body.get("tool_choice");
    if (choice != null && choice.isTextual() && choice.textValue().equals("none")) {
      return null;
    }
    JsonNode messages = body.path("messages");
    JsonNode last = messages.isArray() && !messages.isEmpty() ? messages.get(messages.size() - 1) : null;
    if (last != null && "tool".equals(last.path("role").asText())) {
      return null; // the tool has answered: now the model speaks
    }
    JsonNode tool = tools.get(0);
    String wanted = choice != null ? choice.path("function").path("name").asText(null) : null;
    if (wanted != null) {
      for (JsonNode t : tools) {
        if (wanted.equals(t.path("function").path("name").asText())) {
          tool = t;
        }
      }
    }
    JsonNode fn = tool.path("function");
    String name = fn.path("name").asText("tool");
    ObjectNode args = exampleArguments(json, fn.path("parameters"), lastUserText(body));
    return new ToolCall("call_demo_" + Integer.toHexString(name.hashCode() & 0x7fffffff), name, args.toString());
  }

  /** Fills each property of a JSON schema with a plausible value. */
  private static ObjectNode exampleArguments(ObjectMapper json, JsonNode schema, String userText) {
    ObjectNode args = json.createObjectNode();
    Iterator<Map.Entry<String, JsonNode>> props = schema.path("properties").fields();
    while (props.hasNext()) {
      Map.Entry<String, JsonNode> p = props.next();
      JsonNode enumValues = p.getValue().get("enum");
      if (enumValues != null && enumValues.isArray() && !enumValues.isEmpty()) {
        args.set(p.getKey(), enumValues.get(0));
        continue;
      }
      switch (p.getValue().path("type").asText("string")) {
        case "integer", "number" -> args.put(p.getKey(), 1);
        case "boolean" -> args.put(p.getKey(), true);
        case "array" -> args.putArray(p.getKey());
        case "object" -> args.putObject(p.getKey());
        default -> args.put(p.getKey(), userText.isEmpty() ? "demo" : truncate(userText, 60));
      }
    }
    return args;
  }

  static String text(JsonNode body) {
    JsonNode messages = body.path("messages");
    JsonNode last = messages.isArray() && !messages.isEmpty() ? messages.get(messages.size() - 1) : null;
    String reply;
    if (last != null && "tool".equals(last.path("role").asText())) {
      reply = "The tool returned: " + truncate(contentText(last.get("content")), MAX_ECHO);
    } else {
      String said = lastUserText(body);
      reply = said.isEmpty() ? "Hello from the Portcullis demo model."
          : "Hello from the Portcullis demo model. You said: " + truncate(said, MAX_ECHO);
    }
    String format = body.path("response_format").path("type").asText("text");
    if (format.equals("json_object") || format.equals("json_schema")) {
      return new ObjectMapper().createObjectNode().put("reply", reply).toString();
    }
    return reply;
  }

  static String lastUserText(JsonNode body) {
    JsonNode messages = body.path("messages");
    for (int i = messages.size() - 1; i >= 0; i--) {
      JsonNode m = messages.get(i);
      if ("user".equals(m.path("role").asText())) {
        return contentText(m.get("content"));
      }
    }
    return "";
  }

  private static String contentText(JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    StringBuilder sb = new StringBuilder();
    if (content instanceof ArrayNode parts) {
      for (JsonNode part : parts) {
        if (part.has("text")) {
          if (sb.length() > 0) {
            sb.append(' ');
          }
          sb.append(part.get("text").asText());
        }
      }
    }
    return sb.toString();
  }

  private static String truncate(String s, int max) {
    String flat = s.replaceAll("\\s+", " ").strip();
    return flat.length() <= max ? flat : flat.substring(0, max) + "...";
  }
}
