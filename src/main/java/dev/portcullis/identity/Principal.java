package dev.portcullis.identity;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is calling the gateway: a gateway key (from configuration or a virtual key) or the
 * subject of an OAuth access token.
 *
 * @param key the virtual key presented, or null for a key from configuration or a token
 * @param team the key's team, or null
 * @param subject the token's {@code sub} (users, service accounts), or null for keys
 * @param issuer the token's {@code iss}, or null for keys
 * @param groups group names from the token's groups claim (empty for keys)
 * @param claims every claim of the token (empty for keys)
 * @param scopes the token's scopes, or null when the credential is not scope-limited (keys)
 * @param persona the persona the caller acts through for this request, or null
 * @param token the OAuth access token presented (for RFC 8693 token exchange only), or null for keys
 */
public record Principal(String id, String kind, VirtualKey key, Team team, String subject, String issuer,
    List<String> groups, Map<String, Object> claims, Set<String> scopes, Persona persona, SubjectToken token) {
  /** The kind of a client key from the configuration file. */
  public static final String STATIC_KEY = "static_key";

  public Principal {
    groups = groups == null ? List.of() : List.copyOf(groups);
    claims = claims == null ? Map.of() : claims;
  }

  /** A principal without a presented token. */
  public Principal(String id, String kind, VirtualKey key, Team team, String subject, String issuer,
      List<String> groups, Map<String, Object> claims, Set<String> scopes, Persona persona) {
    this(id, kind, key, team, subject, issuer, groups, claims, scopes, persona, null);
  }

  public Principal(String id, String kind, VirtualKey key, Team team) {
    this(id, kind, key, team, null, null, List.of(), Map.of(), null, null);
  }

  /** A token's principal (no persona yet). */
  public Principal(String id, String kind, VirtualKey key, Team team, String subject, String issuer,
      List<String> groups, Map<String, Object> claims, Set<String> scopes) {
    this(id, kind, key, team, subject, issuer, groups, claims, scopes, null);
  }

  /** The same caller acting through a persona. */
  public Principal withPersona(Persona p) {
    return new Principal(id, kind, key, team, subject, issuer, groups, claims, scopes, p, token);
  }

  /** The same caller, remembering the access token it presented (token exchange). */
  public Principal withToken(SubjectToken t) {
    return new Principal(id, kind, key, team, subject, issuer, groups, claims, scopes, persona, t);
  }

  public Principal(String id, String kind) {
    this(id, kind, null, null);
  }

  /** Whether the credential carries this scope (keys carry every scope). */
  public boolean hasScope(String scope) {
    return scopes == null || scopes.contains(scope);
  }
}
