package dev.portcullis.llm.wire.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.TokenCount;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.openai.OpenAiShapes;

/** A Bedrock Converse response as an OpenAI chat completion; stop reasons and usage. */
final class ConverseResponse {
  private ConverseResponse() {}

  static ObjectNode convert(JsonNode r, String model, String id, long created, Usage usage) {
    ObjectNode out = OpenAiShapes.completion(id, model, created);
    ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant");
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    ArrayNode calls = message.arrayNode();
    for (JsonNode block : r.path("output").path("message").path("content")) {
      if (block.has("text")) {
        text.append(block.get("text").asText());
      } else if (block.has("toolUse")) {
        JsonNode use = block.get("toolUse");
        calls.add(OpenAiShapes.toolCall(use.path("toolUseId").asText(), use.path("name").asText(),
            use.path("input").toString()));
      } else if (block.has("reasoningContent")) {
        reasoning.append(block.get("reasoningContent").path("reasoningText").path("text").asText(""));
      }
    }
    if (text.length() == 0 && !calls.isEmpty()) {
      message.putNull("content");
    } else {
      message.put("content", text.toString());
    }
    if (reasoning.length() > 0) {
      message.put("reasoning_content", reasoning.toString());
    }
    if (!calls.isEmpty()) {
      message.set("tool_calls", calls);
    }
    message.putNull("refusal");
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason(r.path("stopReason").asText(null)));
    out.set("usage", OpenAiShapes.usage(usage));
    return out;
  }

  static String finishReason(String stopReason) {
    if (stopReason == null) {
      return "stop";
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "guardrail_intervened", "content_filtered" -> "content_filter";
      default -> "stop";
    };
  }

  /** Converse usage: inputTokens excludes cache reads and writes, which come apart. */
  static Usage usage(JsonNode u) {
    if (u == null || !u.isObject()) {
      return null;
    }
    long read = TokenCount.of(u.get("cacheReadInputTokens"));
    long write = TokenCount.of(u.get("cacheWriteInputTokens"));
    return new Usage(TokenCount.sum(TokenCount.sum(TokenCount.of(u.get("inputTokens")), read), write),
        TokenCount.of(u.get("outputTokens")), read, 0, false, write);
  }
}
