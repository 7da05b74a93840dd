package dev.portcullis.config;

import dev.portcullis.config.OpenApiConfig.AuthConfig;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks an upstream's {@code auth:} (the credentials model shared by http, sse and openapi servers). */
final class CredentialConfigValidator {
  /** Types every upstream kind understands (api_key in a query string is openapi-only). */
  static final Set<String> TYPES = Set.of("api_key", "bearer", "basic", "static", "oauth_client_credentials",
      "oauth_user", "token_exchange");

  private CredentialConfigValidator() {}

  /** Checks one {@code auth:} of an http or sse server (openapi servers go through their own validator first). */
  static void validate(String f, AuthConfig a, boolean openapi, List<String> problems) {
    if (a.type() == null || !TYPES.contains(a.type())) {
      problems.add(f + ".type: one of " + new java.util.TreeSet<>(TYPES) + ", got '" + a.type() + "'");
      return;
    }
    switch (a.type()) {
      case "api_key" -> {
        require(f + ".value", a.value(), problems);
        if (!openapi && "query".equalsIgnoreCase(a.in())) {
          problems.add(f + ".in: MCP servers take credentials in headers only");
        }
      }
      case "bearer" -> require(f + ".token", a.token(), problems);
      case "basic" -> {
        require(f + ".username", a.username(), problems);
        require(f + ".password", a.password(), problems);
      }
      case "static" -> {
        require(f + ".value", a.value(), problems);
        if (a.header() != null && !a.header().matches("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}")) {
          problems.add(f + ".header: not a valid HTTP header name: '" + a.header() + "'");
        }
        if (a.value() != null && a.value().startsWith("file:") && a.value().length() == 5) {
          problems.add(f + ".value: file: needs a path");
        }
      }
      case "oauth_client_credentials" -> {
        require(f + ".client_id", a.clientId(), problems);
        require(f + ".client_secret", a.clientSecret(), problems);
        endpoint(f, a, a.tokenUrl(), ".token_url", problems);
      }
      case "oauth_user" -> {
        require(f + ".client_id", a.clientId(), problems);
        endpoint(f, a, a.tokenUrl(), ".token_url", problems);
        endpoint(f, a, a.authorizationUrl(), ".authorization_url", problems);
      }
      default -> { // token_exchange
        endpoint(f, a, a.tokenUrl(), ".token_url", problems);
        if (a.subjectTokenType() != null && !a.subjectTokenType().startsWith("urn:")) {
          problems.add(f + ".subject_token_type: a token type URI (urn:ietf:params:oauth:token-type:...)");
        }
      }
    }
  }

  /** Cross-section checks: per-user connections need the secrets key that encrypts their tokens. */
  static void crossCheck(GatewayConfig c, List<String> problems) {
    for (Map.Entry<String, McpServerConfig> e : c.mcp().servers().entrySet()) {
      AuthConfig a = e.getValue() == null ? null : e.getValue().auth();
      if (a != null && "oauth_user".equals(a.type())) {
        String key = c.identity().secretsKey();
        if (key == null || key.isBlank()) {
          problems.add("mcp.servers." + e.getKey() + ".auth: oauth_user needs identity.secrets_key (e.g. "
              + "${PORTCULLIS_SECRETS_KEY}: 32 random bytes in base64) to encrypt the users' tokens at rest");
        } else if (key.length() < 16) {
          problems.add("identity.secrets_key: too short (at least 16 characters; 32 random bytes in base64 is best)");
        }
      }
    }
  }

  private static void endpoint(String f, AuthConfig a, String url, String field, List<String> problems) {
    if (url == null && a.issuer() == null) {
      problems.add(f + field + ": required unless issuer is given (its metadata names the endpoint)");
      return;
    }
    for (String[] u : new String[][] {{field, url}, {".issuer", a.issuer()}}) {
      if (u[1] == null) {
        continue;
      }
      try {
        URI x = URI.create(u[1]);
        if (!"http".equals(x.getScheme()) && !"https".equals(x.getScheme()) || x.getHost() == null) {
          problems.add(f + u[0] + ": must be an absolute http(s) URL, got '" + u[1] + "'");
        }
      } catch (IllegalArgumentException ex) {
        problems.add(f + u[0] + ": not a valid URL: " + ex.getMessage());
      }
    }
  }

  private static void require(String f, String v, List<String> problems) {
    if (v == null || v.isEmpty()) {
      problems.add(f + ": required");
    }
  }
}
