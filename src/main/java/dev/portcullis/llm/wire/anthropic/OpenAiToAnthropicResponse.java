package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.Usage;
import java.io.IOException;

/** An OpenAI chat completion as an Anthropic Messages response. Pure function. */
final class OpenAiToAnthropicResponse {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private OpenAiToAnthropicResponse() {}

  static ObjectNode convert(ObjectMapper json, JsonNode chat, String model, Usage usage) {
    ObjectNode out = F.objectNode().put("id", messageId(chat.path("id").asText("")))
        .put("type", "message").put("role", "assistant").put("model", model);
    ArrayNode content = out.putArray("content");
    JsonNode choice = chat.path("choices").path(0);
    JsonNode message = choice.path("message");
    String reasoning = message.path("reasoning_content").asText("");
    if (!reasoning.isEmpty()) {
      content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
    }
    String text = message.path("content").asText("");
    if (!text.isEmpty()) {
      content.addObject().put("type", "text").put("text", text);
    }
    for (JsonNode call : message.path("tool_calls")) {
      ObjectNode use = content.addObject().put("type", "tool_use").put("id", call.path("id").asText())
          .put("name", call.path("function").path("name").asText());
      use.set("input", parseArguments(json, call.path("function").path("arguments").asText("")));
    }
    out.put("stop_reason", StopReasons.fromOpenAi(choice.path("finish_reason").asText(null)));
    out.putNull("stop_sequence");
    out.set("usage", AnthropicUsage.toJson(usage));
    return out;
  }

  static String messageId(String openAiId) {
    return openAiId.startsWith("msg_") ? openAiId : "msg_" + openAiId.replace("chatcmpl-", "");
  }

  static JsonNode parseArguments(ObjectMapper json, String text) {
    if (text.isBlank()) {
      return F.objectNode();
    }
    try {
      JsonNode n = json.readTree(text);
      return n instanceof ObjectNode ? n : F.objectNode().set("value", n);
    } catch (IOException e) {
      return F.objectNode().put("_raw", text); // the model wrote invalid JSON; keep it visible
    }
  }
}
