package dev.portcullis.llm.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.llm.TokenCount;
import dev.portcullis.llm.Usage;

/** Reads OpenAI's {@code usage} object, including cached and reasoning token details. */
final class OpenAiUsage {
  private OpenAiUsage() {}

  /** Null when there is no usage object (absent or JSON null). */
  static Usage parse(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return null;
    }
    long prompt = TokenCount.of(usage.get("prompt_tokens"));
    long completion = TokenCount.of(usage.get("completion_tokens"));
    long cached = TokenCount.of(usage.path("prompt_tokens_details").get("cached_tokens"));
    long reasoning = TokenCount.of(usage.path("completion_tokens_details").get("reasoning_tokens"));
    return new Usage(prompt, completion, cached, reasoning, false);
  }
}
