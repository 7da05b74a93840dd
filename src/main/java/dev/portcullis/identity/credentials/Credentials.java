package dev.portcullis.identity.credentials;

import dev.portcullis.config.GatewayConfig;
import dev.portcullis.config.McpConfig.McpServerConfig;
import dev.portcullis.config.OpenApiConfig.AuthConfig;
import dev.portcullis.identity.SafeFetcher;
import dev.portcullis.oauth.MemoryOAuthStore;
import dev.portcullis.oauth.OAuthStore;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The gateway's upstream credentials, built once from configuration (part of the composition
 * root): one {@link UpstreamCredential} per upstream whose {@code auth:} this model serves, and
 * the per-user {@link Connections} when some upstream uses {@code oauth_user}.
 */
public final class Credentials {
  /** The types an openapi upstream still handles itself (with its SSRF-guarded client). */
  private static final Set<String> OPENAPI_OWN = Set.of("api_key", "bearer", "basic", "oauth_client_credentials");

  private final Map<String, UpstreamCredential> byUpstream;
  private final Connections connections;

  private Credentials(Map<String, UpstreamCredential> byUpstream, Connections connections) {
    this.byUpstream = byUpstream;
    this.connections = connections;
  }

  /** No upstream credentials (tests, configurations without auth). */
  public static Credentials none() {
    return new Credentials(Map.of(), null);
  }

  /**
   * Builds every upstream's credential. Reads credential files (blocking).
   *
   * @param connectionStore where connections are kept (the database store), or null for memory
   * @param pending where connect tickets and authorization states are kept, or null for memory
   */
  public static Credentials create(Vertx vertx, GatewayConfig config, ConnectionStore connectionStore,
      OAuthStore pending) {
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
        pending == null ? new MemoryOAuthStore() : pending, id.resource());
    Map<String, UpstreamCredential> by = new LinkedHashMap<>();
    for (Map.Entry<String, McpServerConfig> e : config.mcp().servers().entrySet()) {
      McpServerConfig s = e.getValue();
      AuthConfig a = s.auth();
      if (a == null || a.type() == null || "openapi".equals(s.type()) && OPENAPI_OWN.contains(a.type())) {
        continue;
      }
      UpstreamCredential c = switch (a.type()) {
        case "oauth_client_credentials" -> new ClientCredentials(vertx, client, a);
        case "oauth_user" -> new UserOAuth(vertx, connections, e.getKey());
        case "token_exchange" -> new TokenExchange(vertx, client, e.getKey(), a);
        default -> StaticCredential.of(a);
      };
      by.put(e.getKey(), c);
    }
    return new Credentials(Map.copyOf(by), connections);
  }

  /** The credential of an upstream, or null when it has none here (static headers, or openapi's own types). */
  public UpstreamCredential forUpstream(String key) {
    return byUpstream.get(key);
  }

  /** The per-user connections, or null when no upstream uses oauth_user. */
  public Connections connections() {
    return connections;
  }

  /** Tells the connections the gateway's base URL once the listener is bound. */
  public void bound(String base) {
    if (connections != null) {
      connections.bound(base);
    }
  }
}
