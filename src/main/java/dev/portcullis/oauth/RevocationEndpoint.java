package dev.portcullis.oauth;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.portcullis.oauth.ClientRegistry.ClientProblem;

/**
 * {@code POST /oauth/revoke} (RFC 7009): revokes a refresh token (and with it every token of
 * its authorization) or one of the gateway's access tokens. Unknown, expired or malformed tokens
 * are answered 200 like the others, so the endpoint reveals nothing about them.
 */
final class RevocationEndpoint {
  private final ClientRegistry clients;
  private final OAuthStore store;
  private final Tokens tokens;

  RevocationEndpoint(ClientRegistry clients, OAuthStore store, Tokens tokens) {
    this.clients = clients;
    this.store = store;
    this.tokens = tokens;
  }

  Reply revoke(OAuthRequest r) {
    if (r.repeated("token", "token_type_hint", "client_id", "client_secret") != null) {
      return Reply.error(400, "invalid_request", "a parameter was sent more than once");
    }
    OAuthClient client;
    try {
      client = clients.authenticate(r);
    } catch (ClientProblem e) {
      return Reply.error(401, "invalid_client", e.getMessage());
    }
    String token = r.param("token");
    if (token == null) {
      return Reply.error(400, "invalid_request", "token is required");
    }
    JWTClaimsSet access = dev.portcullis.identity.TokenVerifier.looksLikeJwt(token) ? tokens.keys().ownClaims(token)
        : null;
    if (access != null) {
      Object cid = access.getClaim("client_id");
      if (!client.clientId().equals(cid)) {
        return Reply.error(400, "unauthorized_client", "the token was issued to another client");
      }
      if (access.getJWTID() != null) {
        long exp = access.getExpirationTime() == null ? System.currentTimeMillis()
            : access.getExpirationTime().getTime();
        tokens.revokeAccess(access.getJWTID(), exp);
      }
    } else {
      OAuthStore.Item item = store.get(Tokens.REFRESH, Secrets.sha256(token));
      if (item != null) {
        Grant g = Grant.parse(item.data());
        if (!g.clientId().equals(client.clientId())) {
          return Reply.error(400, "unauthorized_client", "the token was issued to another client");
        }
        tokens.revokeFamily(g.family());
        store.delete(Tokens.REFRESH, Secrets.sha256(token));
      }
    }
    return Reply.json(200, JsonNodeFactory.instance.objectNode());
  }
}
