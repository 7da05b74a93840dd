package dev.portcullis.oauth;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jwt.JWTClaimsSet;
import java.util.Date;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Mints the gateway's tokens and remembers what was revoked. Access tokens are short-lived JWTs
 * (ES256, {@code iss} = the gateway, {@code aud} = the resource, {@code jti} = FAMILY.RANDOM);
 * refresh tokens are opaque, stored by digest, single-use (rotated on every use) and belong to
 * the family of the authorization they came from: presenting a used one again revokes the whole
 * family, access tokens included.
 */
final class Tokens {
  static final String CODE = "code";
  static final String REFRESH = "refresh";
  private static final String REVOKED_JTI = "revoked_jti";
  private static final String REVOKED_FAMILY = "revoked_family";

  private final OAuthStore store;
  private final SigningKeys keys;
  private final Supplier<String> issuer;
  private final long accessSeconds;
  private final long refreshSeconds;

  Tokens(OAuthStore store, SigningKeys keys, Supplier<String> issuer, long accessSeconds, long refreshSeconds) {
    this.store = store;
    this.keys = keys;
    this.issuer = issuer;
    this.accessSeconds = accessSeconds;
    this.refreshSeconds = refreshSeconds;
  }

  long refreshSeconds() {
    return refreshSeconds;
  }

  /** The token response (RFC 6749 section 5.1) for a grant; with a new refresh token when asked. */
  ObjectNode issue(Grant g, boolean withRefresh) {
    long now = System.currentTimeMillis();
    String family = g.family() == null ? Secrets.random(16) : g.family();
    JWTClaimsSet.Builder c = new JWTClaimsSet.Builder()
        .issuer(issuer.get())
        .subject(g.subject())
        .audience(g.resource())
        .issueTime(new Date(now))
        .expirationTime(new Date(now + accessSeconds * 1000))
        .jwtID(family + "." + Secrets.random(12))
        .claim("client_id", g.clientId());
    if (g.scope() != null && !g.scope().isEmpty()) {
      c.claim("scope", g.scope());
    }
    if (g.claims() != null) {
      for (Map.Entry<String, Object> e : g.claims().entrySet()) {
        if (Grant.COPIED_CLAIMS.contains(e.getKey()) && e.getValue() != null) {
          c.claim(e.getKey(), e.getValue());
        }
      }
    }
    if (g.authTime() > 0) {
      c.claim("auth_time", g.authTime());
    }
    ObjectNode r = JsonNodeFactory.instance.objectNode()
        .put("access_token", keys.sign(c.build()))
        .put("token_type", "Bearer")
        .put("expires_in", accessSeconds);
    if (g.scope() != null && !g.scope().isEmpty()) {
      r.put("scope", g.scope());
    }
    if (withRefresh) {
      String refresh = Secrets.token();
      Grant kept = new Grant(g.clientId(), null, null, g.scope(), g.resource(), family, g.subject(), g.claims(),
          g.authTime());
      store.put(REFRESH, Secrets.sha256(refresh), kept.json(), now + refreshSeconds * 1000);
      r.put("refresh_token", refresh);
    }
    return r;
  }

  /** Revokes every token of an authorization (refresh tokens and access tokens alike). */
  void revokeFamily(String family) {
    if (family != null) {
      store.put(REVOKED_FAMILY, family, "1", System.currentTimeMillis() + refreshSeconds * 1000 + 60_000);
    }
  }

  boolean familyRevoked(String family) {
    return family != null && store.get(REVOKED_FAMILY, family) != null;
  }

  /** Revokes one access token until it would have expired anyway. */
  void revokeAccess(String jti, long expiresAtMs) {
    store.put(REVOKED_JTI, jti, "1", Math.max(expiresAtMs, System.currentTimeMillis()) + 60_000);
  }

  /** The resource server's revocation check for the gateway's own access tokens. */
  boolean revoked(String jti) {
    if (store.get(REVOKED_JTI, jti) != null) {
      return true;
    }
    int dot = jti.indexOf('.');
    return dot > 0 && familyRevoked(jti.substring(0, dot));
  }

  SigningKeys keys() {
    return keys;
  }
}
