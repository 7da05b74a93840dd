package dev.portcullis.oauth;

import dev.portcullis.config.IdentityConfig.ServiceClientConfig;
import dev.portcullis.oauth.ClientRegistry.ClientProblem;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@code POST /oauth/token}: the authorization code grant (single-use code, exact redirect URI,
 * PKCE S256 verifier; a replayed code revokes what it issued), the refresh token grant (rotation:
 * each refresh token works once; a replayed one revokes the whole family) and the client
 * credentials grant for configured service accounts. Every failure is an RFC 6749 error answer.
 */
final class TokenEndpoint {
  private final ClientRegistry clients;
  private final OAuthStore store;
  private final Tokens tokens;
  private final Supplier<String> issuer;
  private final Predicate<String> resources;

  TokenEndpoint(ClientRegistry clients, OAuthStore store, Tokens tokens, Supplier<String> issuer,
      Predicate<String> resources) {
    this.clients = clients;
    this.store = store;
    this.tokens = tokens;
    this.issuer = issuer;
    this.resources = resources;
  }

  Reply token(OAuthRequest r) {
    String dup = r.repeated("grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope",
        "client_id", "client_secret", "resource");
    if (dup != null) {
      return Reply.error(400, "invalid_request", "the parameter '" + dup + "' was sent more than once");
    }
    String grant = r.param("grant_type");
    if (grant == null) {
      return Reply.error(400, "invalid_request", "grant_type is required");
    }
    OAuthClient client;
    try {
      client = clients.authenticate(r);
    } catch (ClientProblem e) {
      return Reply.error(401, "invalid_client", e.getMessage());
    }
    if (!client.grantTypes().contains(grant)) {
      return switch (grant) {
        case "authorization_code", "refresh_token", "client_credentials" ->
            Reply.error(400, "unauthorized_client", "this client may not use the " + grant + " grant");
        default -> Reply.error(400, "unsupported_grant_type", "grant_type '" + grant + "' is not supported");
      };
    }
    return switch (grant) {
      case "authorization_code" -> code(r, client);
      case "refresh_token" -> refresh(r, client);
      case "client_credentials" -> serviceAccount(r, client);
      default -> Reply.error(400, "unsupported_grant_type", "grant_type '" + grant + "' is not supported");
    };
  }

  private Reply code(OAuthRequest r, OAuthClient client) {
    String code = r.param("code");
    String verifier = r.param("code_verifier");
    if (code == null) {
      return Reply.error(400, "invalid_request", "code is required");
    }
    OAuthStore.Item item = store.consume(Tokens.CODE, Secrets.sha256(code));
    if (item == null) {
      return Reply.error(400, "invalid_grant", "the authorization code is not valid or has expired");
    }
    Grant g = Grant.parse(item.data());
    if (item.consumed()) {
      tokens.revokeFamily(g.family()); // a replayed code: whoever redeemed it first loses the tokens too
      return Reply.error(400, "invalid_grant", "the authorization code was already used");
    }
    if (!g.clientId().equals(client.clientId())) {
      return Reply.error(400, "invalid_grant", "the authorization code was issued to another client");
    }
    if (!g.redirectUri().equals(r.param("redirect_uri"))) {
      return Reply.error(400, "invalid_grant", "redirect_uri does not match the authorization request");
    }
    if (!Secrets.validVerifier(verifier)) {
      return Reply.error(400, "invalid_grant", "a PKCE code_verifier (43 to 128 characters) is required");
    }
    if (!Secrets.same(Secrets.s256(verifier), g.codeChallenge())) {
      return Reply.error(400, "invalid_grant", "the PKCE code_verifier does not match the code_challenge");
    }
    String resource = r.param("resource");
    if (resource != null && !resource.equals(g.resource())) {
      return Reply.error(400, "invalid_target", "the resource differs from the authorization request");
    }
    Grant kept = new Grant(g.clientId(), null, null, g.scope(), g.resource(), g.family(), g.subject(), g.claims(),
        g.authTime());
    return Reply.json(200, tokens.issue(kept, client.grantTypes().contains("refresh_token")));
  }

  private Reply refresh(OAuthRequest r, OAuthClient client) {
    String token = r.param("refresh_token");
    if (token == null) {
      return Reply.error(400, "invalid_request", "refresh_token is required");
    }
    OAuthStore.Item item = store.consume(Tokens.REFRESH, Secrets.sha256(token));
    if (item == null) {
      return Reply.error(400, "invalid_grant", "the refresh token is not valid or has expired");
    }
    Grant g = Grant.parse(item.data());
    if (!g.clientId().equals(client.clientId())) {
      return Reply.error(400, "invalid_grant", "the refresh token was issued to another client");
    }
    if (item.consumed()) {
      tokens.revokeFamily(g.family()); // reuse of a rotated token: it leaked; end the whole authorization
      return Reply.error(400, "invalid_grant", "the refresh token was already used; the authorization is revoked");
    }
    if (tokens.familyRevoked(g.family())) {
      return Reply.error(400, "invalid_grant", "the authorization was revoked");
    }
    String resource = r.param("resource");
    if (resource != null && !resource.equals(g.resource())) {
      return Reply.error(400, "invalid_target", "the resource differs from the original authorization");
    }
    String scope = g.scope();
    if (r.param("scope") != null) {
      Set<String> had = Set.of(g.scope() == null ? new String[0] : g.scope().split(" "));
      Set<String> want = new LinkedHashSet<>(List.of(r.param("scope").trim().split("\\s+")));
      if (!had.containsAll(want)) {
        return Reply.error(400, "invalid_scope", "a refresh may only narrow the scopes");
      }
      scope = String.join(" ", want);
    }
    return Reply.json(200, tokens.issue(g.withScope(scope), true));
  }

  private Reply serviceAccount(OAuthRequest r, OAuthClient client) {
    ServiceClientConfig sc = clients.service(client.clientId());
    if (sc == null) {
      return Reply.error(400, "unauthorized_client", "only configured service accounts use client credentials");
    }
    String scope = String.join(" ", sc.scopes());
    if (r.param("scope") != null) {
      Set<String> want = new LinkedHashSet<>(List.of(r.param("scope").trim().split("\\s+")));
      if (!sc.scopes().containsAll(want)) {
        return Reply.error(400, "invalid_scope", "the service account may not have these scopes");
      }
      scope = String.join(" ", want);
    }
    String resource = r.param("resource") == null ? issuer.get() : r.param("resource");
    if (!resources.test(resource)) {
      return Reply.error(400, "invalid_target", "the resource is not served by this gateway");
    }
    Map<String, Object> claims = new LinkedHashMap<>();
    if (!sc.groups().isEmpty()) {
      claims.put("groups", sc.groups());
    }
    Grant g = new Grant(client.clientId(), null, null, scope, resource, null, client.clientId(), claims, 0);
    return Reply.json(200, tokens.issue(g, false));
  }
}
