package dev.portcullis.llm.wire.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.TokenCount;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.openai.OpenAiShapes;

/** A Gemini generateContent response as an OpenAI chat completion; usage and finish reasons. */
final class GeminiResponse {
  private GeminiResponse() {}

  static ObjectNode convert(JsonNode r, String model, long created) {
    ObjectNode out = OpenAiShapes.completion("chatcmpl-" + r.path("responseId").asText("gemini"), model, created);
    ArrayNode choices = out.putArray("choices");
    JsonNode candidates = r.path("candidates");
    if (candidates.isEmpty()) { // the prompt itself was blocked
      ObjectNode choice = choices.addObject().put("index", 0);
      choice.putObject("message").put("role", "assistant").putNull("content")
          .put("refusal", blockMessage(r));
      choice.putNull("logprobs");
      choice.put("finish_reason", "content_filter");
    }
    for (JsonNode c : candidates) {
      ObjectNode choice = choices.addObject().put("index", c.path("index").asInt(choices.size() - 1));
      ObjectNode message = choice.putObject("message").put("role", "assistant");
      StringBuilder text = new StringBuilder();
      StringBuilder thoughts = new StringBuilder();
      ArrayNode calls = message.arrayNode();
      for (JsonNode p : c.path("content").path("parts")) {
        if (p.has("functionCall")) {
          JsonNode fc = p.get("functionCall");
          calls.add(OpenAiShapes.toolCall(fc.path("id").asText("call_" + calls.size()), fc.path("name").asText(),
              fc.path("args").toString()));
        } else if (p.path("thought").asBoolean(false)) {
          thoughts.append(p.path("text").asText(""));
        } else if (p.has("text")) {
          text.append(p.get("text").asText());
        }
      }
      if (text.length() == 0 && !calls.isEmpty()) {
        message.putNull("content");
      } else {
        message.put("content", text.toString());
      }
      if (thoughts.length() > 0) {
        message.put("reasoning_content", thoughts.toString());
      }
      if (!calls.isEmpty()) {
        message.set("tool_calls", calls);
      }
      message.putNull("refusal");
      choice.putNull("logprobs");
      choice.put("finish_reason", finishReason(c.path("finishReason").asText(null), !calls.isEmpty()));
    }
    Usage u = usage(r.get("usageMetadata"));
    if (u != null) {
      out.set("usage", OpenAiShapes.usage(u));
    }
    return out;
  }

  /** Gemini finish reasons as OpenAI's; every safety-like block becomes content_filter. */
  static String finishReason(String gemini, boolean toolCalls) {
    if (gemini == null) {
      return toolCalls ? "tool_calls" : null;
    }
    return switch (gemini) {
      case "MAX_TOKENS" -> "length";
      case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE" ->
          "content_filter";
      default -> toolCalls ? "tool_calls" : "stop"; // STOP, OTHER, MALFORMED_FUNCTION_CALL, ...
    };
  }

  static String blockMessage(JsonNode r) {
    return "Gemini blocked the prompt (blockReason " + r.path("promptFeedback").path("blockReason").asText("OTHER")
        + ").";
  }

  /** usageMetadata: the prompt count includes cached tokens; thoughts count as completion. */
  static Usage usage(JsonNode m) {
    if (m == null || !m.isObject()) {
      return null;
    }
    long thoughts = TokenCount.of(m.get("thoughtsTokenCount"));
    return new Usage(TokenCount.of(m.get("promptTokenCount")),
        TokenCount.sum(TokenCount.of(m.get("candidatesTokenCount")), thoughts),
        TokenCount.of(m.get("cachedContentTokenCount")), thoughts, false);
  }
}
