package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.llm.TokenCount;
import dev.portcullis.llm.Usage;

/** Reads the Responses API's {@code usage} object (input and output tokens with their details). */
final class ResponsesUsage {
  private ResponsesUsage() {}

  /** Null when there is no usage object. */
  static Usage parse(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return null;
    }
    return new Usage(TokenCount.of(usage.get("input_tokens")), TokenCount.of(usage.get("output_tokens")),
        TokenCount.of(usage.path("input_tokens_details").get("cached_tokens")),
        TokenCount.of(usage.path("output_tokens_details").get("reasoning_tokens")), false);
  }
}
