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
  RESPONSES("responses");

  private final String path;

  Endpoint(String path) {
    this.path = path;
  }

  /** Path below the provider's versioned base URL, without a leading slash. */
  public String path() {
    return path;
  }
}
