package dev.portcullis.mcp.upstream;

/** The upstream answered 404 for our session id: a new session must be initialized. */
public final class SessionExpiredException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SessionExpiredException() {
    super("upstream session expired", null, false, false);
  }
}
