package dev.portcullis.identity.credentials;

import dev.portcullis.config.GatewayConfig;
import dev.portcullis.config.McpServerConfig;
import dev.portcullis.config.OpenApiConfig.AuthConfig;
import dev.portcullis.identity.SafeFetcher;
import dev.portcullis.oauth.MemoryOAuthStore;
import dev.portcullis.oauth.OAuthStore;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The gateway's upstream credentials, built from configuration (part of the composition root):
 * one {@link UpstreamCredential} per upstream whose {@code auth:} this model serves, and the
 * per-user {@link Connections} when some upstream uses {@code oauth_user}. A configuration reload
 * rebuilds the credentials whose {@code auth:} changed ({@link #update}); the per-user connections
 * are built once.
 */
public final class Credentials {
  /** The types an openapi upstream still handles itself (with its SSRF-guarded client). */
  private static final Set<String> OPENAPI_OWN = Set.of("api_key", "bearer", "basic", "oauth_client_credentials");

  /** What one upstream's credential was built from, and the credential. */
  private record Built(AuthConfig auth, UpstreamCredential credential) {}

  private final Vertx vertx;
  private final TokenEndpointClient client;
  private final Connections connections;
  /** Replaced whole by {@link #update}. */
  private volatile Map<String, Built> byUpstream;

  private Credentials(Vertx vertx, TokenEndpointClient client, Connections connections) {
    this.vertx = vertx;
    this.client = client;
    this.connections = connections;
    this.byUpstream = Map.of();
  }

  /** No upstream credentials (tests, configurations without auth). */
  public static Credentials none() {
    return new Credentials(null, null, null);
  }

  /**
   * Builds every upstream's credential. Reads credential files (blocking).
   *
   * @param connectionStore where connections are kept (the database store), or null for memory
   * @param pending where connect tickets and authorization states are kept, or null for memory
   * @param publicUrl the gateway's public base URL, no trailing slash (the connections' callbacks
   *     are under it), known once the listener is bound
   */
  public static Credentials create(Vertx vertx, GatewayConfig config, ConnectionStore connectionStore,
      OAuthStore pending, java.util.function.Supplier<String> publicUrl) {
    var id = config.identity();
    TokenEndpointClient client = new TokenEndpointClient(new SafeFetcher(vertx, id.fetch()));
    Map<String, AuthConfig> users = new LinkedHashMap<>();
    config.mcp().servers().forEach((k, s) -> {
      if (s.auth() != null && "oauth_user".equals(s.auth().type())) {
        users.put(k, s.auth());
      }
    });
    Connections connections = users.isEmpty() ? null : new Connections(users, client,
        new TokenCipher(id.secretsKey()), connectionStore == null ? new MemoryConnectionStore() : connectionStore,
        pending == null ? new MemoryOAuthStore() : pending, publicUrl);
    Credentials credentials = new Credentials(vertx, client, connections);
    credentials.update(config.mcp().servers());
    return credentials;
  }

  /**
   * Builds the credentials of {@code servers} (a reload's, before its upstreams are reconciled,
   * so that an upstream restarted for a changed {@code auth:} connects with the new one). A
   * credential whose {@code auth:} is unchanged is kept, with the tokens it holds. Reads
   * credential files (blocking); on failure nothing changes. A new or changed oauth_user
   * credential needs the connections built at start-up (the reload refuses it before).
   */
  public void update(Map<String, McpServerConfig> servers) {
    Map<String, Built> running = byUpstream;
    Map<String, Built> by = new LinkedHashMap<>();
    for (Map.Entry<String, McpServerConfig> e : servers.entrySet()) {
      McpServerConfig s = e.getValue();
      AuthConfig a = s.auth();
      if (a == null || a.type() == null || "openapi".equals(s.type()) && OPENAPI_OWN.contains(a.type())) {
        continue;
      }
      Built old = running.get(e.getKey());
      by.put(e.getKey(), old != null && old.auth().equals(a) ? old : new Built(a, switch (a.type()) {
        case "oauth_client_credentials" -> new ClientCredentials(vertx, client, a);
        case "oauth_user" -> new UserOAuth(vertx, connections, e.getKey());
        case "token_exchange" -> new TokenExchange(vertx, client, e.getKey(), a);
        default -> StaticCredential.of(a);
      }));
    }
    byUpstream = Map.copyOf(by);
  }

  /** The credential of an upstream, or null when it has none here (static headers, or openapi's own types). */
  public UpstreamCredential forUpstream(String key) {
    Built b = byUpstream.get(key);
    return b == null ? null : b.credential();
  }

  /** The per-user connections, or null when no upstream uses oauth_user. */
  public Connections connections() {
    return connections;
  }
}
