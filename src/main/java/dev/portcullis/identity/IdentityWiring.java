package dev.portcullis.identity;

import dev.portcullis.config.GatewayConfig;
import dev.portcullis.config.IdentityConfig.IssuerConfig;
import java.util.List;

/** Builds the identity components from configuration (part of the composition root). */
public final class IdentityWiring {
  private IdentityWiring() {}

  /** The resource server, or null when no bearer-token mechanism is configured. */
  public static ResourceServer resourceServer(GatewayConfig config) {
    var id = config.identity();
    if (!id.tokensEnabled()) {
      return null;
    }
    SafeFetcher fetcher = new SafeFetcher(id.fetch());
    TokenVerifier verifier = new TokenVerifier(id, fetcher, List.of());
    return new ResourceServer(id, verifier, () -> id.issuers().stream().map(IssuerConfig::issuer).toList());
  }
}
