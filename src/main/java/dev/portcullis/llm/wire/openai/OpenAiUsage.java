package dev.portcullis.llm.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.llm.Usage;

/** Reads OpenAI's {@code usage} object, including cached and reasoning token details. */
final class OpenAiUsage {
  private OpenAiUsage() {}

  /** Null when there is no usage object (absent or JSON null). */
  static Usage parse(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return null;
    }
    long prompt = usage.path("prompt_tokens").asLong(0);
    long completion = usage.path("completion_tokens").asLong(0);
    long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    long reasoning = usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0);
    return new Usage(prompt, completion, cached, reasoning, false);
  }
}
