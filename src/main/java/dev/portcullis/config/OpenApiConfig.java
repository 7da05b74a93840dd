package dev.portcullis.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The settings of an {@code openapi} MCP server (REST operations served as tools). */
public final class OpenApiConfig {
  private OpenApiConfig() {}

  /**
   * How the gateway authenticates to an upstream (an MCP server over http/sse, or a REST API):
   * never with the client's own credential. Shared by {@code openapi}, {@code http} and
   * {@code sse} servers.
   *
   * @param type api_key, bearer, basic, static, oauth_client_credentials, oauth_user (a per-user
   *     connection the user authorises once) or token_exchange (RFC 8693)
   * @param in api_key: header (default) or query (openapi only)
   * @param name api_key: header or query parameter name (default X-API-Key)
   * @param value api_key: the key; static: the header value, or {@code file:PATH} (read at start
   *     and again when the file changes)
   * @param token bearer: the token
   * @param tokenUrl oauth_*, token_exchange: the token endpoint (default: from the issuer's metadata)
   * @param scopes oauth_*, token_exchange: requested scopes
   * @param audience oauth_client_credentials, token_exchange: optional audience parameter
   * @param header static: the header name (default Authorization)
   * @param prefix static: put before the value (e.g. "Bearer "; default none)
   * @param issuer oauth_*, token_exchange: the authorization server, whose RFC 8414 / OpenID
   *     metadata gives the endpoints not configured
   * @param authorizationUrl oauth_user: the authorization endpoint (default: from the metadata)
   * @param resource oauth_user, token_exchange: RFC 8707 resource parameter
   * @param subjectTokenType token_exchange: default urn:ietf:params:oauth:token-type:access_token
   * @param requestedTokenType token_exchange: optional requested_token_type
   */
  public record AuthConfig(
      String type,
      String in,
      String name,
      String value,
      String token,
      String username,
      String password,
      String tokenUrl,
      String clientId,
      String clientSecret,
      List<String> scopes,
      String audience,
      String header,
      String prefix,
      String issuer,
      String authorizationUrl,
      String resource,
      String subjectTokenType,
      String requestedTokenType) {
    public AuthConfig {
      scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }

    /** Whether the credential depends on the caller (a per-user connection or a token exchange). */
    public boolean perUser() {
      return "oauth_user".equals(type) || "token_exchange".equals(type);
    }
  }

  /**
   * Selects operations. Every list given must match (tags: any of them; paths and operations:
   * globs; methods: case-insensitive); an empty filter matches everything.
   */
  public record FilterConfig(List<String> tags, List<String> paths, List<String> methods, List<String> operations) {
    public FilterConfig {
      tags = tags == null ? List.of() : List.copyOf(tags);
      paths = paths == null ? List.of() : List.copyOf(paths);
      methods = methods == null ? List.of() : List.copyOf(methods);
      operations = operations == null ? List.of() : List.copyOf(operations);
    }

    public boolean isEmpty() {
      return tags.isEmpty() && paths.isEmpty() && methods.isEmpty() && operations.isEmpty();
    }
  }

  /** A tool's exposed name and description, replacing those derived from the specification. */
  public record ToolOverride(String name, String description) {}

  /**
   * Which private addresses (loopback, RFC 1918, link-local, unique-local, ...) the REST API may
   * be reached on: none (false, the default), all (true), or those in the given CIDR blocks.
   */
  public record PrivateAccess(boolean all, List<String> networks) {
    public static final PrivateAccess NONE = new PrivateAccess(false, List.of());

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static PrivateAccess of(JsonNode n) {
      if (n == null || n.isNull()) {
        return NONE;
      }
      if (n.isBoolean()) {
        return new PrivateAccess(n.booleanValue(), List.of());
      }
      if (n.isTextual()) {
        return new PrivateAccess(false, List.of(n.textValue()));
      }
      if (n.isArray()) {
        List<String> nets = new ArrayList<>();
        n.forEach(e -> nets.add(e.asText()));
        return new PrivateAccess(false, List.copyOf(nets));
      }
      throw new IllegalArgumentException("must be true, false or a list of CIDR blocks");
    }
  }
}
