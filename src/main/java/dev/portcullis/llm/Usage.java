package dev.portcullis.llm;

/**
 * Token usage of one model call, normalised across providers.
 *
 * @param estimated true when the upstream reported nothing and the gateway counted with jtokkit
 */
public record Usage(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens,
    boolean estimated) {
  public static final Usage NONE = new Usage(0, 0, 0, 0, false);

  public long totalTokens() {
    return promptTokens + completionTokens;
  }
}
