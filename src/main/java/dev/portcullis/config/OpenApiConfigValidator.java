package dev.portcullis.config;

import dev.portcullis.config.OpenApiConfig.AuthConfig;
import dev.portcullis.config.OpenApiConfig.ToolOverride;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks an {@code openapi} MCP server; each problem is "field: why". */
final class OpenApiConfigValidator {
  private static final Set<String> AUTH_TYPES = Set.of("api_key", "bearer", "basic", "oauth_client_credentials");
  private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH",
      "TRACE");
  private static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern CIDR = Pattern.compile("[0-9a-fA-F.:]+(/[0-9]{1,3})?");

  private OpenApiConfigValidator() {}

  static void validate(String f, McpServerConfig.OpenApi s, List<String> problems) {
    if (s.spec() == null || s.spec().isBlank()) {
      problems.add(f + ".spec: required for openapi servers (a file path or an http(s) URL)");
    }
    if (s.baseUrl() == null) {
      problems.add(f + ".base_url: required for openapi servers (where calls go; "
          + "'portcullis mcp import-openapi' prints the description's own)");
    } else {
      httpUrl(f + ".base_url", s.baseUrl(), problems);
    }
    if (s.maxResponseBytes() <= 0) {
      problems.add(f + ".max_response_bytes: must be positive, got " + s.maxResponseBytes());
    }
    if (s.retries() < 0 || s.retries() > 10) {
      problems.add(f + ".retries: must be between 0 and 10, got " + s.retries());
    }
    for (String n : s.allowPrivateAddresses().networks()) {
      if (!CIDR.matcher(n.trim()).matches()) {
        problems.add(f + ".allow_private_addresses: '" + n + "' is not an IP address or CIDR block "
            + "(use true, false or a list like [127.0.0.1/32])");
      }
    }
    if (s.include() != null) {
      methods(f + ".include.methods", s.include().methods(), problems);
    }
    if (s.exclude() != null) {
      methods(f + ".exclude.methods", s.exclude().methods(), problems);
    }
    for (Map.Entry<String, ToolOverride> e : s.tools().entrySet()) {
      ToolOverride o = e.getValue();
      if (o == null || o.name() == null && o.description() == null) {
        problems.add(f + ".tools." + e.getKey() + ": give a name and/or a description");
      } else if (o.name() != null && !TOOL_NAME.matcher(o.name()).matches()) {
        problems.add(f + ".tools." + e.getKey() + ".name: may use only A-Z a-z 0-9 _ . - (at most 64)");
      }
    }
    if (s.auth() != null) {
      auth(f + ".auth", s.auth(), problems);
    }
  }

  private static void auth(String f, AuthConfig a, List<String> problems) {
    if (a.type() != null && CredentialConfigValidator.TYPES.contains(a.type()) && !AUTH_TYPES.contains(a.type())) {
      CredentialConfigValidator.validate(f, a, true, problems); // static, oauth_user, token_exchange
      return;
    }
    if (a.type() == null || !AUTH_TYPES.contains(a.type())) {
      problems.add(f + ".type: one of " + new java.util.TreeSet<>(CredentialConfigValidator.TYPES) + ", got '"
          + a.type() + "'");
      return;
    }
    switch (a.type()) {
      case "api_key" -> {
        require(f + ".value", a.value(), problems);
        if (a.in() != null && !a.in().equals("header") && !a.in().equals("query")) {
          problems.add(f + ".in: header or query, got '" + a.in() + "'");
        }
      }
      case "bearer" -> require(f + ".token", a.token(), problems);
      case "basic" -> {
        require(f + ".username", a.username(), problems);
        require(f + ".password", a.password(), problems);
      }
      default -> {
        require(f + ".client_id", a.clientId(), problems);
        require(f + ".client_secret", a.clientSecret(), problems);
        if (require(f + ".token_url", a.tokenUrl(), problems)) {
          httpUrl(f + ".token_url", a.tokenUrl(), problems);
        }
      }
    }
  }

  private static boolean require(String f, String v, List<String> problems) {
    if (v == null || v.isEmpty()) {
      problems.add(f + ": required");
      return false;
    }
    return true;
  }

  private static void methods(String f, List<String> methods, List<String> problems) {
    for (String m : methods) {
      if (m == null || !METHODS.contains(m.toUpperCase(java.util.Locale.ROOT))) {
        problems.add(f + ": unknown HTTP method '" + m + "'");
      }
    }
  }

  private static void httpUrl(String f, String url, List<String> problems) {
    try {
      URI u = URI.create(url);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        problems.add(f + ": must be an absolute http(s) URL, got '" + url + "'");
      } else if (u.getRawQuery() != null || u.getRawFragment() != null) {
        problems.add(f + ": must not have a query or fragment, got '" + url + "'");
      } else if (u.getUserInfo() != null) {
        problems.add(f + ": must not carry credentials (use auth)");
      }
    } catch (IllegalArgumentException ex) {
      problems.add(f + ": not a valid URL: " + ex.getMessage());
    }
  }
}
