package dev.portcullis.ui;

/** The console cannot open or read sessions now (too many open, or the shared store unreachable); the message is safe to show. */
final class SessionsUnavailable extends RuntimeException {
  private static final long serialVersionUID = 1L;

  SessionsUnavailable(String message) {
    super(message, null, false, false);
  }
}
