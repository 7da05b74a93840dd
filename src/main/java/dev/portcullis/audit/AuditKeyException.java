package dev.portcullis.audit;

/** An audit key is missing, unreadable or unusable; the message says which and what to do. */
public final class AuditKeyException extends RuntimeException {
  public AuditKeyException(String message) {
    super(message);
  }
}
