package dev.portcullis.identity.credentials;

import dev.portcullis.config.OpenApiConfig.AuthConfig;
import dev.portcullis.identity.Principal;
import dev.portcullis.oauth.Secrets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RFC 8693 token exchange: the caller's validated access token (the gateway's own or the
 * enterprise IdP's) is exchanged at the configured token endpoint for a token meant for this
 * upstream, cached per user (and per presented token) until shortly before it expires. Callers
 * with a gateway key have no token to exchange and are refused.
 */
final class TokenExchange implements UpstreamCredential {
  static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
  static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
  private static final int MAX_CACHED = 10_000;

  private record Cached(String token, long usableUntil) {}

  private final Vertx vertx;
  private final TokenEndpointClient client;
  private final String upstream;
  private final AuthConfig config;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  private final Map<String, Future<String>> inFlight = new ConcurrentHashMap<>();

  TokenExchange(Vertx vertx, TokenEndpointClient client, String upstream, AuthConfig config) {
    this.vertx = vertx;
    this.client = client;
    this.upstream = upstream;
    this.config = config;
  }

  @Override
  public boolean perUser() {
    return true;
  }

  private static String key(Principal p) {
    return p.id() + '\u0000' + Secrets.sha256(p.token().value());
  }

  @Override
  public Future<Map<String, String>> headers(Principal caller) {
    if (caller == null || caller.token() == null) {
      return Future.failedFuture(new CredentialException("upstream '" + upstream + "' needs the caller's OAuth "
          + "access token (token exchange); a gateway key cannot be exchanged"));
    }
    String k = key(caller);
    Cached c = cache.get(k);
    if (c != null && System.currentTimeMillis() < c.usableUntil()) {
      return Future.succeededFuture(Map.of("Authorization", "Bearer " + c.token()));
    }
    Future<String> f;
    synchronized (inFlight) {
      f = inFlight.get(k);
      if (f == null) {
        String subject = caller.token().value();
        Future<String> fetch = vertx.executeBlocking(() -> {
          TokenEndpointClient.TokenResponse r = exchange(subject);
          if (cache.size() >= MAX_CACHED) {
            long now = System.currentTimeMillis();
            cache.values().removeIf(v -> v.usableUntil() <= now);
            if (cache.size() >= MAX_CACHED) {
              cache.clear();
            }
          }
          cache.put(k, new Cached(r.accessToken(), System.currentTimeMillis()
              + TokenEndpointClient.usableMs(r.expiresIn(), 60)));
          return r.accessToken();
        }, false);
        inFlight.put(k, fetch);
        fetch.onComplete(ar -> {
          synchronized (inFlight) {
            inFlight.remove(k, fetch);
          }
        });
        f = fetch;
      }
    }
    return f.map(t -> Map.of("Authorization", "Bearer " + t));
  }

  private TokenEndpointClient.TokenResponse exchange(String subject) throws CredentialException {
    String endpoint = config.tokenUrl() != null ? config.tokenUrl() : client.discover(config.issuer()).token();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", GRANT);
    form.put("subject_token", subject);
    form.put("subject_token_type", config.subjectTokenType() == null ? ACCESS_TOKEN : config.subjectTokenType());
    form.put("requested_token_type", config.requestedTokenType());
    form.put("audience", config.audience());
    form.put("resource", config.resource());
    if (!config.scopes().isEmpty()) {
      form.put("scope", String.join(" ", config.scopes()));
    }
    return client.post(endpoint, form, config.clientId(), config.clientSecret());
  }

  @Override
  public boolean rejected(Principal caller) {
    return caller != null && caller.token() != null && cache.remove(key(caller)) != null;
  }

  @Override
  public Set<String> headerNames() {
    return Set.of("authorization");
  }
}
