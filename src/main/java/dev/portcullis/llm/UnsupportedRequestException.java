package dev.portcullis.llm;

/** The deployment's provider cannot serve this kind of request (for example embeddings on Anthropic). */
public final class UnsupportedRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnsupportedRequestException(String message) {
    super(message);
  }
}
