package dev.portcullis.identity.credentials;

import dev.portcullis.identity.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Set;

/** {@code oauth_user}: the caller's own connection to the upstream app (see {@link Connections}). */
final class UserOAuth implements UpstreamCredential {
  private final Vertx vertx;
  private final Connections connections;
  private final String upstream;

  UserOAuth(Vertx vertx, Connections connections, String upstream) {
    this.vertx = vertx;
    this.connections = connections;
    this.upstream = upstream;
  }

  @Override
  public boolean perUser() {
    return true;
  }

  @Override
  public Future<Map<String, String>> headers(Principal caller) {
    if (caller == null) {
      return Future.failedFuture(new CredentialException("upstream '" + upstream + "' acts for a user; no user"));
    }
    return vertx.executeBlocking(() -> Map.of("Authorization", "Bearer " + connections.accessToken(upstream, caller)),
        false);
  }

  @Override
  public boolean rejected(Principal caller) {
    return caller != null && connections.rejected(upstream, caller);
  }

  @Override
  public Set<String> headerNames() {
    return Set.of("authorization");
  }
}
