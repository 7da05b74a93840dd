package dev.portcullis.llm.wire.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.wire.DroppedFields;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** An OpenAI chat completion request as a Gemini generateContent request. Pure function. */
final class GeminiRequest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Set<String> HANDLED = Set.of("model", "messages", "stream", "stream_options", "max_tokens",
      "max_completion_tokens", "temperature", "top_p", "stop", "n", "seed", "presence_penalty",
      "frequency_penalty", "tools", "tool_choice", "response_format", "reasoning_effort", "user");
  /** JSON Schema keywords Gemini's OpenAPI-subset schema rejects. */
  private static final Set<String> SCHEMA_UNSUPPORTED = Set.of("additionalProperties", "$schema", "strict", "$id",
      "$defs", "definitions");

  private GeminiRequest() {}

  static ObjectNode convert(ObjectMapper json, ObjectNode in, DroppedFields dropped) {
    ObjectNode out = F.objectNode();
    ArrayNode contents = out.putArray("contents");
    ArrayNode system = F.arrayNode();
    Map<String, String> toolNames = new HashMap<>();
    for (JsonNode m : in.path("messages")) {
      String role = m.path("role").asText();
      switch (role) {
        case "system", "developer" -> textParts(m.get("content"), system);
        case "user" -> append(contents, "user", userParts(m.get("content"), dropped));
        case "assistant" -> append(contents, "model", modelParts(json, m, toolNames));
        case "tool" -> {
          String name = toolNames.getOrDefault(m.path("tool_call_id").asText(), m.path("name").asText("tool"));
          ObjectNode response = F.objectNode();
          response.set("content", parseOrText(json, contentText(m.get("content"))));
          ArrayNode parts = F.arrayNode();
          parts.addObject().putObject("functionResponse").put("name", name).set("response", response);
          append(contents, "user", parts);
        }
        default -> dropped.drop("messages[role=" + role + "]");
      }
    }
    if (!system.isEmpty()) {
      out.putObject("systemInstruction").set("parts", system);
    }
    tools(in, out, dropped);
    ObjectNode gen = F.objectNode();
    copy(in, "temperature", gen, "temperature");
    copy(in, "top_p", gen, "topP");
    copy(in, "seed", gen, "seed");
    copy(in, "presence_penalty", gen, "presencePenalty");
    copy(in, "frequency_penalty", gen, "frequencyPenalty");
    copy(in, "n", gen, "candidateCount");
    JsonNode max = in.has("max_completion_tokens") ? in.get("max_completion_tokens") : in.get("max_tokens");
    if (max != null && max.isNumber()) {
      gen.set("maxOutputTokens", max);
    }
    JsonNode stop = in.get("stop");
    if (stop != null && stop.isTextual()) {
      gen.putArray("stopSequences").add(stop.textValue());
    } else if (stop != null && stop.isArray()) {
      gen.set("stopSequences", stop);
    }
    JsonNode format = in.path("response_format");
    switch (format.path("type").asText("")) {
      case "json_object" -> gen.put("responseMimeType", "application/json");
      case "json_schema" -> {
        gen.put("responseMimeType", "application/json");
        gen.set("responseJsonSchema", format.path("json_schema").path("schema"));
      }
      default -> { }
    }
    int budget = switch (in.path("reasoning_effort").asText("")) {
      case "minimal", "low" -> 1024;
      case "medium" -> 8192;
      case "high" -> 24576;
      default -> -1;
    };
    if (budget > 0) {
      gen.putObject("thinkingConfig").put("thinkingBudget", budget);
    }
    if (!gen.isEmpty()) {
      out.set("generationConfig", gen);
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

  private static void tools(ObjectNode in, ObjectNode out, DroppedFields dropped) {
    JsonNode tools = in.get("tools");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      ArrayNode decls = F.arrayNode();
      for (JsonNode t : tools) {
        if (!"function".equals(t.path("type").asText("function"))) {
          dropped.drop("tools[type=" + t.path("type").asText() + "]");
          continue;
        }
        JsonNode fn = t.path("function");
        ObjectNode d = decls.addObject().put("name", fn.path("name").asText());
        if (fn.path("description").isTextual()) {
          d.put("description", fn.get("description").textValue());
        }
        if (fn.get("parameters") instanceof ObjectNode p && p.size() > 0) {
          d.set("parameters", schema(p));
        }
      }
      out.putArray("tools").addObject().set("functionDeclarations", decls);
    }
    JsonNode choice = in.get("tool_choice");
    if (choice == null || !out.has("tools")) {
      return;
    }
    ObjectNode cfg = out.putObject("toolConfig").putObject("functionCallingConfig");
    if (choice.isObject()) {
      cfg.put("mode", "ANY").putArray("allowedFunctionNames").add(choice.path("function").path("name").asText());
    } else {
      cfg.put("mode", switch (choice.asText()) {
        case "none" -> "NONE";
        case "required" -> "ANY";
        default -> "AUTO";
      });
    }
  }

  /** A copy of a JSON schema without the keywords Gemini rejects. */
  private static JsonNode schema(JsonNode s) {
    if (s instanceof ObjectNode o) {
      ObjectNode copy = F.objectNode();
      o.fields().forEachRemaining(f -> {
        if (!SCHEMA_UNSUPPORTED.contains(f.getKey())) {
          copy.set(f.getKey(), f.getKey().equals("properties") ? propertiesSchema(f.getValue()) : schema(f.getValue()));
        }
      });
      return copy;
    }
    if (s instanceof ArrayNode a) {
      ArrayNode copy = F.arrayNode();
      a.forEach(e -> copy.add(schema(e)));
      return copy;
    }
    return s;
  }

  private static JsonNode propertiesSchema(JsonNode props) {
    ObjectNode copy = F.objectNode();
    props.fields().forEachRemaining(f -> copy.set(f.getKey(), schema(f.getValue())));
    return copy;
  }

  private static void copy(JsonNode in, String from, ObjectNode out, String to) {
    if (in.path(from).isNumber()) {
      out.set(to, in.get(from));
    }
  }

  private static void append(ArrayNode contents, String role, ArrayNode parts) {
    if (parts.isEmpty()) {
      return;
    }
    JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
    if (last != null && role.equals(last.path("role").asText())) {
      ((ArrayNode) last.get("parts")).addAll(parts);
      return;
    }
    contents.addObject().put("role", role).set("parts", parts);
  }

  private static void textParts(JsonNode content, ArrayNode out) {
    String text = contentText(content);
    if (!text.isEmpty()) {
      out.addObject().put("text", text);
    }
  }

  private static String contentText(JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode p : content) {
      if (p.has("text")) {
        sb.append(p.path("text").asText());
      }
    }
    return sb.toString();
  }

  private static ArrayNode userParts(JsonNode content, DroppedFields dropped) {
    ArrayNode parts = F.arrayNode();
    if (content == null || !content.isArray()) {
      textParts(content, parts);
      return parts;
    }
    for (JsonNode p : content) {
      switch (p.path("type").asText()) {
        case "text" -> parts.addObject().put("text", p.path("text").asText(""));
        case "image_url" -> {
          String url = p.path("image_url").path("url").asText("");
          int comma = url.indexOf(',');
          if (url.startsWith("data:") && comma > 0) {
            parts.addObject().putObject("inlineData").put("mimeType", url.substring(5, url.indexOf(';')))
                .put("data", url.substring(comma + 1));
          } else {
            parts.addObject().putObject("fileData").put("mimeType", mimeOf(url)).put("fileUri", url);
          }
        }
        default -> dropped.drop("messages[].content[type=" + p.path("type").asText() + "]");
      }
    }
    return parts;
  }

  private static String mimeOf(String url) {
    String u = url.toLowerCase(java.util.Locale.ROOT);
    return u.endsWith(".png") ? "image/png" : u.endsWith(".webp") ? "image/webp" : u.endsWith(".gif")
        ? "image/gif" : "image/jpeg";
  }

  private static ArrayNode modelParts(ObjectMapper json, JsonNode m, Map<String, String> toolNames) {
    ArrayNode parts = F.arrayNode();
    textParts(m.get("content"), parts);
    for (JsonNode call : m.path("tool_calls")) {
      String name = call.path("function").path("name").asText();
      toolNames.put(call.path("id").asText(), name);
      ObjectNode fc = parts.addObject().putObject("functionCall").put("name", name);
      fc.set("args", parseOrText(json, call.path("function").path("arguments").asText("{}")));
    }
    return parts;
  }

  private static JsonNode parseOrText(ObjectMapper json, String text) {
    try {
      JsonNode n = json.readTree(text);
      if (n != null && n.isObject()) {
        return n;
      }
    } catch (IOException notJson) {
      // a plain string
    }
    return F.textNode(text);
  }
}
