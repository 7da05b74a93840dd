package dev.portcullis.identity.credentials;

import dev.portcullis.config.OpenApiConfig.AuthConfig;
import dev.portcullis.identity.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The OAuth 2 client credentials grant: one token for the gateway itself, fetched when first
 * needed, reused by every caller until shortly before it expires, fetched again once after the
 * upstream answers 401. Concurrent callers share one fetch.
 */
final class ClientCredentials implements UpstreamCredential {
  private final Vertx vertx;
  private final TokenEndpointClient client;
  private final AuthConfig config;
  private String token;
  private long usableUntil;
  private Future<String> fetching;

  ClientCredentials(Vertx vertx, TokenEndpointClient client, AuthConfig config) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
  }

  @Override
  public boolean perUser() {
    return false;
  }

  @Override
  public Future<Map<String, String>> headers(Principal caller) {
    return token().map(t -> Map.of("Authorization", "Bearer " + t));
  }

  private synchronized Future<String> token() {
    if (token != null && System.currentTimeMillis() < usableUntil) {
      return Future.succeededFuture(token);
    }
    if (fetching != null) {
      return fetching;
    }
    Future<String> f = vertx.executeBlocking(() -> {
      String endpoint = config.tokenUrl() != null ? config.tokenUrl() : client.discover(config.issuer()).token();
      Map<String, String> form = new LinkedHashMap<>();
      form.put("grant_type", "client_credentials");
      if (!config.scopes().isEmpty()) {
        form.put("scope", String.join(" ", config.scopes()));
      }
      form.put("audience", config.audience());
      form.put("resource", config.resource());
      TokenEndpointClient.TokenResponse r = client.post(endpoint, form, config.clientId(), config.clientSecret());
      synchronized (this) {
        token = r.accessToken();
        usableUntil = System.currentTimeMillis() + TokenEndpointClient.usableMs(r.expiresIn(), 300);
      }
      return r.accessToken();
    }, false);
    fetching = f;
    f.onComplete(ar -> {
      synchronized (this) {
        fetching = null;
      }
    });
    return f;
  }

  @Override
  public synchronized boolean rejected(Principal caller) {
    boolean had = token != null;
    token = null;
    return had;
  }

  @Override
  public Set<String> headerNames() {
    return Set.of("authorization");
  }
}
