package dev.portcullis.llm;

/**
 * Token usage of one model call, normalised across providers.
 *
 * <p>One meaning for every provider: {@code promptTokens} counts every input token, including
 * those read from and written to a prompt cache; {@code cachedTokens} is the part read from the
 * cache and {@code cacheWriteTokens} the part written to it. (Anthropic and Bedrock report the
 * three apart; their adapters add them up.) {@code completionTokens} includes reasoning tokens.
 *
 * @param estimated true when the upstream reported nothing and the gateway counted with jtokkit
 */
public record Usage(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens,
    boolean estimated, long cacheWriteTokens) {
  public static final Usage NONE = new Usage(0, 0, 0, 0, false);

  public Usage(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens,
      boolean estimated) {
    this(promptTokens, completionTokens, cachedTokens, reasoningTokens, estimated, 0);
  }

  /** Prompt plus completion tokens, held at the ends of long rather than wrapping. */
  public long totalTokens() {
    return TokenCount.sum(promptTokens, completionTokens);
  }
}
