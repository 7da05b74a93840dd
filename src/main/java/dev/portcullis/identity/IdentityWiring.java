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

    /** Told the gateway's base URL once the listener is bound. */
    void bound(String base);
  }

  /**
   * The resource server, also trusting the built-in authorization server's tokens (and listing it
   * first in the RFC 9728 metadata) when {@code local} is not null.
   */
  public static ResourceServer resourceServer(Vertx vertx, GatewayConfig config, LocalAuthority local) {
    var id = config.identity();
    if (!id.tokensEnabled()) {
      return null;
    }
    SafeFetcher fetcher = new SafeFetcher(vertx, id.fetch());
    TokenVerifier verifier = new TokenVerifier(id, fetcher, List.of());
    ResourceServer rs = new ResourceServer(id, verifier, () -> {
      List<String> servers = new java.util.ArrayList<>();
      if (local != null && local.issuer() != null) {
        servers.add(local.issuer());
      }
      id.issuers().stream().map(IssuerConfig::issuer).filter(i -> !servers.contains(i)).forEach(servers::add);
      return servers;
    });
    if (local != null) {
      rs.onBound(base -> {
        local.bound(base);
        verifier.trust(new TokenVerifier.LocalIssuer(local.issuer(), local.keys(), local::revoked));
      });
    }
    return rs;
  }
}
