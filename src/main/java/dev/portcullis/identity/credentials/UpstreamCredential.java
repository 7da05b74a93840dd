package dev.portcullis.identity.credentials;

import dev.portcullis.identity.Principal;
import io.vertx.core.Future;
import java.util.Map;
import java.util.Set;

/**
 * How the gateway authenticates to one upstream (an MCP server or a REST API): with its own
 * secret, a client-credentials token, the caller's per-user connection, or a token obtained by
 * exchanging the caller's token (RFC 8693). The caller's gateway credential itself never goes
 * upstream. Futures fail with {@link CredentialException} (a {@link CredentialException.NotConnected}
 * names the URL the user connects at).
 */
public interface UpstreamCredential {
  /** Whether the headers depend on the caller; then an upstream session must never be shared by two users. */
  boolean perUser();

  /** The headers to add to a request made on behalf of {@code caller} (null for shared credentials). */
  Future<Map<String, String>> headers(Principal caller);

  /**
   * The upstream answered 401 to the headers last given for {@code caller}: forgets cached
   * tokens. True when asking again may give different headers (one retry).
   */
  boolean rejected(Principal caller);

  /** The (lower-case) names of the headers this credential sets, dropped on cross-origin redirects. */
  Set<String> headerNames();
}
