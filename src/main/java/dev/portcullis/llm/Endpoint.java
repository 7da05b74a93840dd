package dev.portcullis.llm;

/** The OpenAI-style operations the LLM surface proxies. */
public enum Endpoint {
  CHAT_COMPLETIONS("chat/completions"),
  EMBEDDINGS("embeddings");

  private final String path;

  Endpoint(String path) {
    this.path = path;
  }

  /** Path below the provider's versioned base URL, without a leading slash. */
  public String path() {
    return path;
  }
}
