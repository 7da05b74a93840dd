package dev.portcullis.llm;

/** A request field holds a value the gateway cannot act on; {@code param} names the field. */
public final class InvalidParameterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String param;

  public InvalidParameterException(String param, String message) {
    super(message);
    this.param = param;
  }

  public String param() {
    return param;
  }
}
