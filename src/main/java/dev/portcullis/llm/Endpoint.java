package dev.portcullis.llm;

/** The operations the LLM surfaces proxy. */
public enum Endpoint {
  CHAT_COMPLETIONS("chat/completions"),
  EMBEDDINGS("embeddings"),
  /** Anthropic's Messages API ({@code /v1/messages}). */
  MESSAGES("messages"),
  /** Anthropic's token counting ({@code /v1/messages/count_tokens}). */
  COUNT_TOKENS("messages/count_tokens"),
  /** OpenAI's Responses API ({@code /v1/responses}). */
  RESPONSES("responses"),
  /** The Responses API's token counting ({@code /v1/responses/input_tokens}), answered by the gateway. */
  INPUT_TOKENS("responses/input_tokens");

  private final String path;

  Endpoint(String path) {
    this.path = path;
  }

  /** Counts a prompt and generates nothing: not guarded, reserves no limits, not traced as a model call. */
  public boolean countsOnly() {
    return this == COUNT_TOKENS || this == INPUT_TOKENS;
  }

  /** Path below the provider's versioned base URL, without a leading slash. */
  public String path() {
    return path;
  }
}
