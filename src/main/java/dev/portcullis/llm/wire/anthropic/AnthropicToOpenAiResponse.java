package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.openai.OpenAiShapes;

/** An Anthropic Messages response as an OpenAI chat completion. Pure function. */
final class AnthropicToOpenAiResponse {
  private AnthropicToOpenAiResponse() {}

  static ObjectNode convert(JsonNode msg, Usage usage, long created) {
    ObjectNode out = OpenAiShapes.completion(msg.path("id").asText("msg"), msg.path("model").asText(), created);
    ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant");
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    ArrayNode calls = null;
    for (JsonNode block : msg.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText(""));
        case "thinking" -> reasoning.append(block.path("thinking").asText(""));
        case "tool_use" -> {
          if (calls == null) {
            calls = message.arrayNode();
          }
          calls.add(OpenAiShapes.toolCall(block.path("id").asText(), block.path("name").asText(),
              block.path("input").toString()));
        }
        default -> { } // redacted_thinking, server tool blocks: nothing OpenAI can carry
      }
    }
    if (text.length() == 0 && calls != null) {
      message.putNull("content");
    } else {
      message.put("content", text.toString());
    }
    if (reasoning.length() > 0) {
      message.put("reasoning_content", reasoning.toString());
    }
    if (calls != null) {
      message.set("tool_calls", calls);
    }
    message.putNull("refusal");
    choice.putNull("logprobs");
    choice.put("finish_reason", StopReasons.toOpenAi(msg.path("stop_reason").asText(null)));
    out.set("usage", OpenAiShapes.usage(usage));
    return out;
  }
}
