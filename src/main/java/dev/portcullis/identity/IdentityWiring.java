package dev.portcullis.identity;

import dev.portcullis.config.GatewayConfig;
import dev.portcullis.config.IdentityConfig.IssuerConfig;
import io.vertx.core.Vertx;
import java.util.List;

/** Builds the identity components from configuration (part of the composition root). */
public final class IdentityWiring {
  private IdentityWiring() {}

  /**
   * The gateway's own authorization server as the resource server sees it: an issuer (known once
   * the listener is bound), its keys held in memory, and its revocation list.
   */
  public interface LocalAuthority {
    String issuer();

    com.nimbusds.jose.jwk.source.JWKSource<com.nimbusds.jose.proc.SecurityContext> keys();

    boolean revoked(String jti);
  }

  /**
   * The resource server, also trusting the built-in authorization server's tokens (and listing it
   * first in the RFC 9728 metadata) when {@code local} is not null; null when no tokens are accepted.
   *
   * @param publicUrl the gateway's public base URL (known once the listener is bound)
   * @param afterAuthentication run once a token's principal is known (persona binding); false when
   *     it answered the request
   */
  public static ResourceServer resourceServer(Vertx vertx, GatewayConfig config, LocalAuthority local,
      java.util.function.Supplier<String> publicUrl,
      java.util.function.Predicate<io.vertx.ext.web.RoutingContext> afterAuthentication) {
    var id = config.identity();
    if (!id.tokensEnabled()) {
      return null;
    }
    SafeFetcher fetcher = new SafeFetcher(vertx, id.fetch());
    TokenVerifier verifier = new TokenVerifier(id, fetcher, local == null ? List.of()
        : List.of(new TokenVerifier.LocalIssuer(local::issuer, local.keys(), local::revoked)));
    return new ResourceServer(id, verifier, () -> {
      List<String> servers = new java.util.ArrayList<>();
      if (local != null && local.issuer() != null) {
        servers.add(local.issuer());
      }
      id.issuers().stream().map(IssuerConfig::issuer).filter(i -> !servers.contains(i)).forEach(servers::add);
      return servers;
    }, publicUrl, afterAuthentication);
  }
}
