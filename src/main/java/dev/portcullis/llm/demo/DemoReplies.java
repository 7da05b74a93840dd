package dev.portcullis.llm.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What the demo model says, decided only by the request: the tool calls a script in the last user
 * message asks for ({@code call NAME with {JSON}}, see {@link DemoScript}), else a call to the
 * first offered tool, an echo of the last user message, or a summary of a tool's result. Same
 * request, same answer.
 */
final class DemoReplies {
  private static final int MAX_ECHO = 200;

  private DemoReplies() {}

  /** A tool call the demo model decides to make, or null to answer in text. */
  record ToolCall(String id, String name, String arguments) {}

  /**
   * The tool calls the demo model makes: those a script asks for (when it names offered tools),
   * else one call to the first offered tool; none after a tool result or with tool_choice none.
   */
  static List<ToolCall> toolCalls(ObjectMapper json, JsonNode body) {
    JsonNode tools = body.get("tools");
    if (tools == null || !tools.isArray() || tools.isEmpty()) {
      return List.of();
    }
    JsonNode choice = body.get("tool_choice");
    if (choice != null && choice.isTextual() && choice.textValue().equals("none")) {
      return List.of();
    }
    JsonNode messages = body.path("messages");
    JsonNode last = messages.isArray() && !messages.isEmpty() ? messages.get(messages.size() - 1) : null;
    if (last != null && "tool".equals(last.path("role").asText())) {
      return List.of(); // the tool has answered: now the model speaks
    }
    List<DemoScript.Call> script = DemoScript.calls(json, lastUserText(body));
    if (!script.isEmpty()) {
      return scripted(script, tools);
    }
    return List.of(firstTool(json, body, tools, choice));
  }

  /** The scripted calls, or none when the script names a tool that is not offered (the text says so). */
  private static List<ToolCall> scripted(List<DemoScript.Call> script, JsonNode tools) {
    List<ToolCall> out = new ArrayList<>();
    for (DemoScript.Call c : script) {
      if (!offered(tools, c.name())) {
        return List.of();
      }
      out.add(new ToolCall("call_demo_" + Integer.toHexString((c.name() + out.size()).hashCode() & 0x7fffffff),
          c.name(), c.arguments().toString()));
    }
    return out;
  }

  private static boolean offered(JsonNode tools, String name) {
    for (JsonNode t : tools) {
      if (name.equals(t.path("function").path("name").asText())) {
        return true;
      }
    }
    return false;
  }

  private static ToolCall firstTool(ObjectMapper json, JsonNode body, JsonNode tools, JsonNode choice) {
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

  static String text(ObjectMapper json, JsonNode body) {
    JsonNode messages = body.path("messages");
    JsonNode last = messages.isArray() && !messages.isEmpty() ? messages.get(messages.size() - 1) : null;
    String reply;
    List<DemoScript.Call> script = DemoScript.calls(json, lastUserText(body));
    if (last != null && "tool".equals(last.path("role").asText())) {
      reply = "The tool returned: " + truncate(toolResults(messages), MAX_ECHO);
    } else if (!script.isEmpty()) {
      reply = "The demo model was asked to call " + script.get(0).name() + ", but no such tool is offered.";
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

  /** The results of the tool messages that end the conversation, in order, joined by "; ". */
  private static String toolResults(JsonNode messages) {
    int first = messages.size();
    while (first > 0 && "tool".equals(messages.get(first - 1).path("role").asText())) {
      first--;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = first; i < messages.size(); i++) {
      if (sb.length() > 0) {
        sb.append("; ");
      }
      sb.append(contentText(messages.get(i).get("content")));
    }
    return sb.toString();
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
