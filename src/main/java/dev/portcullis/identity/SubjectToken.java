package dev.portcullis.identity;

/**
 * The access token a caller authenticated with, kept with its principal only so that an upstream
 * credential of type {@code token_exchange} can exchange it (RFC 8693). Never forwarded upstream
 * as it is, never logged: {@link #toString()} hides it.
 */
public final class SubjectToken {
  private final String value;

  public SubjectToken(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }

  @Override
  public String toString() {
    return "SubjectToken[redacted]";
  }
}
