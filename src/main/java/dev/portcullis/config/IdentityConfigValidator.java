package dev.portcullis.config;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks of the identity, personas and policy sections; each problem is "field: why". */
final class IdentityConfigValidator {
  private static final Set<String> ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
      "ES256", "ES384", "ES512", "EdDSA", "Ed25519");

  private IdentityConfigValidator() {}

  static void validate(GatewayConfig c, List<String> problems) {
    IdentityConfig id = c.identity();
    CredentialConfigValidator.crossCheck(c, problems);
    if (id.resource() != null && !absolute(id.resource(), true)) {
      problems.add("identity.resource: must be an absolute http(s) URL without query or fragment, got '"
          + id.resource() + "'");
    }
    for (int i = 0; i < id.issuers().size(); i++) {
      var is = id.issuers().get(i);
      String f = "identity.issuers[" + i + "]";
      if (is.issuer() == null || !absolute(is.issuer(), false)) {
        problems.add(f + ".issuer: must be an absolute URL");
      }
      if (is.jwksUri() != null && !absolute(is.jwksUri(), false)) {
        problems.add(f + ".jwks_uri: must be an absolute URL");
      }
      if (is.algorithms().isEmpty()) {
        problems.add(f + ".algorithms: at least one algorithm is required");
      }
      for (String a : is.algorithms()) {
        if (!ALGORITHMS.contains(a)) {
          problems.add(f + ".algorithms: '" + a + "' is not accepted (asymmetric algorithms only: " + ALGORITHMS
              + "; none and HMAC are refused)");
        }
      }
    }
    if (id.introspection() != null) {
      var in = id.introspection();
      if (in.endpoint() == null || !absolute(in.endpoint(), false)) {
        problems.add("identity.introspection.endpoint: must be an absolute URL");
      }
      if (in.clientId() == null) {
        problems.add("identity.introspection.client_id: is required");
      }
    }
    if (id.fetch().timeoutMs() <= 0) {
      problems.add("identity.fetch.timeout_ms: must be positive");
    }
    if (id.fetch().maxBytes() <= 0) {
      problems.add("identity.fetch.max_bytes: must be positive");
    }
    var as = id.authorizationServer();
    if (as != null) {
      if (as.upstream() == null || as.upstream().issuer() == null || as.upstream().clientId() == null) {
        problems.add("identity.authorization_server.upstream: issuer and client_id are required");
      }
      if (as.accessTokenSeconds() <= 0 || as.accessTokenSeconds() > 24 * 3600) {
        problems.add("identity.authorization_server.access_token_seconds: must be between 1 and 86400");
      }
      if (as.upstream() != null && as.upstream().issuer() != null && !absolute(as.upstream().issuer(), false)) {
        problems.add("identity.authorization_server.upstream.issuer: must be an absolute http(s) URL");
      }
      if (as.refreshTokenSeconds() <= 0) {
        problems.add("identity.authorization_server.refresh_token_seconds: must be positive");
      }
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (int i = 0; i < as.clients().size(); i++) {
        var sc = as.clients().get(i);
        String f = "identity.authorization_server.clients[" + i + "]";
        if (sc.clientId() == null || sc.clientSecret() == null || sc.clientSecret().length() < 16) {
          problems.add(f + ": client_id and a client_secret of at least 16 characters are required");
        } else if (!ids.add(sc.clientId()) || sc.clientId().startsWith("http")) {
          problems.add(f + ".client_id: must be unique and not a URL");
        }
      }
    }
    for (Map.Entry<String, PersonaConfig> e : c.personas().entrySet()) {
      String f = "personas." + e.getKey();
      PersonaConfig p = e.getValue();
      if (p == null) {
        problems.add(f + ": must be a mapping");
        continue;
      }
      if (!e.getKey().matches("[A-Za-z0-9_.-]{1,64}")) {
        problems.add(f + ": persona names use letters, digits, '_', '.', '-' (at most 64)");
      }
      for (List<PersonaConfig.Grant> grants : List.of(p.tools(), p.resources(), p.prompts())) {
        for (PersonaConfig.Grant g : grants) {
          if (g.server() != null && !c.mcp().servers().containsKey(g.server())) {
            problems.add(f + ": grant names unknown MCP server '" + g.server() + "'");
          }
        }
      }
      PersonaConfig.Limits l = p.limits();
      if (l != null) {
        if (l.rpm() != null && l.rpm() <= 0 || l.tpm() != null && l.tpm() <= 0
            || l.maxParallel() != null && l.maxParallel() <= 0) {
          problems.add(f + ".limits: rpm, tpm and max_parallel must be positive");
        }
        if (l.budgetUsd() != null && !(l.budgetUsd() >= 0 && l.budgetUsd() <= 1e9)) { // NaN too
          problems.add(f + ".limits.budget_usd: must be between 0 and 1000000000");
        }
        try {
          dev.portcullis.limits.Period.parse(l.period());
        } catch (IllegalArgumentException x) {
          problems.add(f + ".limits.period: " + x.getMessage());
        }
      }
    }
    if (c.policy().reloadMs() <= 0) {
      problems.add("policy.reload_ms: must be positive");
    }
  }

  private static boolean absolute(String s, boolean noQuery) {
    try {
      URI u = URI.create(s);
      String scheme = u.getScheme();
      return ("https".equals(scheme) || "http".equals(scheme)) && u.getHost() != null
          && (!noQuery || u.getQuery() == null && u.getFragment() == null);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
