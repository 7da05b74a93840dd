package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.TokenCount;
import dev.portcullis.llm.Usage;

/**
 * Anthropic's {@code usage}: {@code input_tokens} excludes cache reads and cache writes, which it
 * reports apart. The normalised {@link Usage} counts all three as prompt tokens.
 */
public final class AnthropicUsage {
  private AnthropicUsage() {}

  /** Null when there is no usage object. */
  public static Usage parse(JsonNode u) {
    if (u == null || !u.isObject()) {
      return null;
    }
    long input = TokenCount.of(u.get("input_tokens"));
    long read = TokenCount.of(u.get("cache_read_input_tokens"));
    long write = TokenCount.of(u.get("cache_creation_input_tokens"));
    return new Usage(TokenCount.sum(TokenCount.sum(input, read), write), TokenCount.of(u.get("output_tokens")), read,
        0, false, write);
  }

  /** Anthropic's usage object for a normalised usage. */
  public static ObjectNode toJson(Usage u) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("input_tokens", Math.max(0, u.promptTokens() - u.cachedTokens() - u.cacheWriteTokens()));
    n.put("cache_creation_input_tokens", u.cacheWriteTokens());
    n.put("cache_read_input_tokens", u.cachedTokens());
    n.put("output_tokens", u.completionTokens());
    return n;
  }
}
