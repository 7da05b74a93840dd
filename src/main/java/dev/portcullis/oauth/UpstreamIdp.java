package dev.portcullis.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.portcullis.config.IdentityConfig.FetchConfig;
import dev.portcullis.config.IdentityConfig.UpstreamIdpConfig;
import dev.portcullis.identity.SafeFetcher;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import dev.portcullis.identity.GuardedFetch;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The enterprise IdP users log in at, as an OpenID Connect relying party: discovery (through the
 * SSRF-checked fetcher), the authorization request (authorization code, PKCE S256, state, nonce;
 * the RFC 8707 resource parameter only when configured, since Entra ID refuses it), the code
 * exchange, and the ID token check with Nimbus against the IdP's JWK set (signature, exact
 * issuer, audience = our client id, nonce, expiry). Blocking. The authorization server and the
 * console's sign-in both use it.
 */
public final class UpstreamIdp {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
      JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
      JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA);

  /** Why a login failed; the message is safe to show. */
  public static final class LoginFailed extends Exception {
    private static final long serialVersionUID = 1L;

    LoginFailed(String message) {
      super(message, null, false, false);
    }
  }

  /** The user as the IdP asserted it in a valid ID token. */
  public record Identity(String subject, Map<String, Object> claims) {}

  private record Endpoints(String authorization, String token, JWSVerificationKeySelector<SecurityContext> keys,
      boolean issParameter, long loadedAt) {}

  private final UpstreamIdpConfig config;
  private final SafeFetcher fetcher;
  private final FetchConfig rules;
  private final long skewSeconds;
  private volatile Endpoints endpoints;

  public UpstreamIdp(UpstreamIdpConfig config, SafeFetcher fetcher, FetchConfig rules, long skewSeconds) {
    this.config = config;
    this.fetcher = fetcher;
    this.rules = rules;
    this.skewSeconds = skewSeconds;
  }

  String issuer() {
    return config.issuer();
  }

  /** The IdP's endpoints from its OpenID metadata, fetched once (again after a day). */
  private Endpoints endpoints() throws LoginFailed {
    Endpoints e = endpoints;
    if (e != null && System.currentTimeMillis() - e.loadedAt() < 24 * 3600_000L) {
      return e;
    }
    synchronized (this) {
      String iss = config.issuer();
      String base = iss.endsWith("/") ? iss.substring(0, iss.length() - 1) : iss;
      try {
        JsonNode meta = JSON.readTree(fetcher.get(URI.create(base + "/.well-known/openid-configuration"),
            "application/json"));
        if (!iss.equals(meta.path("issuer").asText())) {
          throw new IOException("the IdP's metadata names another issuer");
        }
        String authz = meta.path("authorization_endpoint").asText(null);
        String token = meta.path("token_endpoint").asText(null);
        String jwks = meta.path("jwks_uri").asText(null);
        if (authz == null || token == null || jwks == null) {
          throw new IOException("the IdP's metadata lacks authorization_endpoint, token_endpoint or jwks_uri");
        }
        for (String u : new String[] {authz, token}) {
          String scheme = URI.create(u).getScheme();
          if (!"https".equals(scheme) && !("http".equals(scheme) && rules.allowHttp())) {
            throw new IOException("the IdP's endpoint " + u + " is not https");
          }
        }
        String why = fetcher.refusal(URI.create(jwks));
        if (why != null) {
          throw new IOException("the IdP's jwks_uri is refused: " + why);
        }
        JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(new URL(jwks), fetcher)
            .cache(5 * 60_000L, 15_000L).rateLimited(30_000L).retrying(false).refreshAheadCache(false).build();
        e = new Endpoints(authz, token, new JWSVerificationKeySelector<>(ALGORITHMS, keys), meta.path("authorization_response_iss_parameter_supported").asBoolean(),
            System.currentTimeMillis());
        endpoints = e;
        return e;
      } catch (IOException | IllegalArgumentException ex) {
        org.slf4j.LoggerFactory.getLogger(UpstreamIdp.class).warn("cannot discover the upstream IdP {}: {}", iss,
            ex.toString());
        throw new LoginFailed("the identity provider is unavailable");
      }
    }
  }

  /** Where the browser goes to log in. */
  public String authorizationUrl(String redirectUri, String state, String nonce, String challenge, String resource)
      throws LoginFailed {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("response_type", "code");
    q.put("client_id", config.clientId());
    q.put("redirect_uri", redirectUri);
    q.put("scope", String.join(" ", config.scopes()));
    q.put("state", state);
    q.put("nonce", nonce);
    q.put("code_challenge", challenge);
    q.put("code_challenge_method", "S256");
    if (config.sendResource() && resource != null) {
      q.put("resource", resource);
    }
    return Reply.withQuery(endpoints().authorization(), q);
  }

  /** Checks the RFC 9207 iss parameter of the IdP's answer (mix-up defence). */
  public void checkResponseIssuer(String iss) throws LoginFailed {
    if (iss != null ? !iss.equals(config.issuer()) : endpoints().issParameter()) {
      throw new LoginFailed("the login answer came from another issuer");
    }
  }

  /** Exchanges the IdP's code and checks its ID token. */
  public Identity exchange(String code, String verifier, String redirectUri, String nonce) throws LoginFailed {
    Endpoints e = endpoints();
    StringBuilder form = new StringBuilder("grant_type=authorization_code&code=").append(enc(code))
        .append("&redirect_uri=").append(enc(redirectUri)).append("&code_verifier=").append(enc(verifier));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("accept", "application/json");
    if (config.clientSecret() != null) {
      headers.put("authorization", "Basic " + Base64.getEncoder().encodeToString((enc(config.clientId()) + ":"
          + enc(config.clientSecret())).getBytes(StandardCharsets.UTF_8)));
    } else {
      form.append("&client_id=").append(enc(config.clientId()));
    }
    String idToken;
    try {
      GuardedFetch.Response r = fetcher.postForm(URI.create(e.token()), headers, form.toString());
      JsonNode body = JSON.readTree(r.text());
      if (r.status() != 200) {
        throw new IOException("HTTP " + r.status() + " " + body.path("error").asText(""));
      }
      idToken = body.path("id_token").asText(null);
      if (idToken == null) {
        throw new IOException("no id_token in the IdP's answer (is 'openid' among the upstream scopes?)");
      }
    } catch (IOException | IllegalArgumentException ex) {
      org.slf4j.LoggerFactory.getLogger(UpstreamIdp.class).warn("upstream code exchange failed: {}", ex.toString());
      throw new LoginFailed("the identity provider did not confirm the login");
    }
    return verify(e, idToken, nonce);
  }

  private Identity verify(Endpoints e, String idToken, String nonce) throws LoginFailed {
    JWTClaimsSet claims;
    try {
      DefaultJWTClaimsVerifier<SecurityContext> v = new DefaultJWTClaimsVerifier<>(config.clientId(),
          new JWTClaimsSet.Builder().issuer(config.issuer()).claim("nonce", nonce).build(),
          Set.of("sub", "exp", "iat"));
      v.setMaxClockSkew((int) skewSeconds);
      DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
      p.setJWSKeySelector(e.keys());
      p.setJWTClaimsSetVerifier(v);
      claims = p.process(idToken, null);
    } catch (Exception ex) {
      org.slf4j.LoggerFactory.getLogger(UpstreamIdp.class).warn("upstream ID token refused: {}", ex.toString());
      throw new LoginFailed("the identity provider's ID token is not valid");
    }
    Map<String, Object> user = new LinkedHashMap<>();
    for (String c : new String[] {"email", "email_verified", "name", "preferred_username"}) {
      if (claims.getClaim(c) != null) {
        user.put(c, claims.getClaim(c));
      }
    }
    Object groups = claims.getClaim(config.groupsClaim());
    if (groups != null) {
      user.put("groups", groups);
    }
    user.put("idp", config.issuer());
    return new Identity(claims.getSubject(), user);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
