package dev.portcullis.identity.credentials;

/** Why the gateway has no credential for an upstream right now; the message is safe to show the caller. */
public class CredentialException extends Exception {
  private static final long serialVersionUID = 1L;

  public CredentialException(String message) {
    super(message, null, false, false);
  }

  /**
   * The caller has not connected their account at this upstream yet (or the connection was
   * revoked): they must open {@link #connectUrl()} in a browser once.
   */
  public static final class NotConnected extends CredentialException {
    private static final long serialVersionUID = 1L;
    private final String upstream;
    private final String connectUrl;

    public NotConnected(String upstream, String connectUrl, String why) {
      super(why + ": connect your account for '" + upstream + "' at " + connectUrl + " (once), then retry");
      this.upstream = upstream;
      this.connectUrl = connectUrl;
    }

    public String upstream() {
      return upstream;
    }

    public String connectUrl() {
      return connectUrl;
    }
  }
}
