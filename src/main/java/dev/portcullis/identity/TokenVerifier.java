package dev.portcullis.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.portcullis.config.IdentityConfig;
import dev.portcullis.config.IdentityConfig.IntrospectionConfig;
import dev.portcullis.config.IdentityConfig.IssuerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OAuth 2.1 resource server's token check: JWT access tokens from trusted issuers (signature
 * through the issuer's JWK set, fetched with the SSRF check, cached, refreshed on an unknown key
 * id; exact issuer; audience bound to this resource per RFC 8707; exp and nbf with a small leeway;
 * an allow-list of asymmetric algorithms: {@code none} and HMAC are always refused), and opaque
 * tokens through RFC 7662 introspection. Blocking (JWK and introspection fetches): run it on a
 * worker thread.
 */
public final class TokenVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(TokenVerifier.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<JWSAlgorithm> ASYMMETRIC = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
      JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
      JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

  /** Why a token was refused; {@code description} is safe to send to the client. */
  public static final class InvalidToken extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidToken(String description) {
      super(description, null, false, false);
    }
  }

  /**
   * A trusted issuer whose keys are held locally (the gateway's own authorization server). Its
   * identifier is the gateway's public URL, known once the listener is bound: read when a token
   * names an issuer, null until then.
   */
  public record LocalIssuer(java.util.function.Supplier<String> issuer, JWKSource<SecurityContext> keys,
      Predicate<String> revokedJti) {}

  private final IdentityConfig config;
  private final SafeFetcher fetcher;
  private final Map<String, Issuer> issuers = new ConcurrentHashMap<>();
  private final List<LocalIssuer> local;
  /** The local issuers by the identifier they had when first asked for (it does not change once bound). */
  private final Map<String, Issuer> localByName = new ConcurrentHashMap<>();
  private final Map<String, Cached> introspected = new ConcurrentHashMap<>();

  private record Cached(Principal principal, List<String> audiences, long until) {}

  private final class Issuer {
    final IssuerConfig cfg;
    final Predicate<String> revoked;
    volatile DefaultJWTProcessor<SecurityContext> processor;

    Issuer(IssuerConfig cfg, JWKSource<SecurityContext> keys, Predicate<String> revoked) {
      this.cfg = cfg;
      this.revoked = revoked;
      if (keys != null) {
        this.processor = processor(keys);
      }
    }

    synchronized DefaultJWTProcessor<SecurityContext> processor() throws InvalidToken {
      if (processor == null) {
        try {
          String jwks = cfg.jwksUri() != null ? cfg.jwksUri() : discoverJwks(cfg.issuer());
          URI u = URI.create(jwks);
          String why = fetcher.refusal(u);
          if (why != null) {
            throw new IOException("JWK set URL " + jwks + " refused: " + why);
          }
          JWKSource<SecurityContext> source = JWKSourceBuilder.<SecurityContext>create(new URL(jwks), fetcher)
              .cache(5 * 60_000L, 15_000L)
              .rateLimited(30_000L)
              .retrying(false)
              .refreshAheadCache(false)
              .build();
          processor = processor(source);
        } catch (IOException | RuntimeException e) {
          LOG.warn("cannot load the keys of issuer {}: {}", cfg.issuer(), e.toString());
          throw new InvalidToken("the token's issuer keys are unavailable");
        }
      }
      return processor;
    }

    private DefaultJWTProcessor<SecurityContext> processor(JWKSource<SecurityContext> keys) {
      Set<JWSAlgorithm> algs = new HashSet<>();
      for (String a : cfg.algorithms()) {
        JWSAlgorithm alg = JWSAlgorithm.parse(a);
        if (ASYMMETRIC.contains(alg)) {
          algs.add(alg);
        }
      }
      DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
      p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"),
          new JOSEObjectType("application/at+jwt"), null));
      p.setJWSKeySelector(new JWSVerificationKeySelector<>(algs, keys));
      DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(null,
          new JWTClaimsSet.Builder().issuer(cfg.issuer()).build(), Set.of("sub", "exp"));
      claims.setMaxClockSkew((int) (long) config.clockSkewSeconds());
      p.setJWTClaimsSetVerifier(claims);
      return p;
    }
  }

  public TokenVerifier(IdentityConfig config, SafeFetcher fetcher, Collection<LocalIssuer> local) {
    this.config = config;
    this.fetcher = fetcher;
    for (IssuerConfig c : config.issuers()) {
      issuers.put(c.issuer(), new Issuer(c, null, null));
    }
    this.local = List.copyOf(local);
  }

  /** The local issuer named {@code iss}, or null (it takes precedence over a configured one of that name). */
  private Issuer local(String iss) {
    for (LocalIssuer l : local) {
      if (iss.equals(l.issuer().get())) {
        return localByName.computeIfAbsent(iss, name -> new Issuer(new IssuerConfig(name, null, null,
            List.of("ES256"), null, null), l.keys(), l.revokedJti()));
      }
    }
    return null;
  }

  /** Whether a presented credential looks like a JWS (three base64url parts) rather than an opaque token. */
  public static boolean looksLikeJwt(String token) {
    int first = token.indexOf('.');
    return first > 0 && token.indexOf('.', first + 1) > first && token.startsWith("eyJ");
  }

  /**
   * The principal of a valid token whose audience is one of {@code resources}; {@link InvalidToken}
   * with a reason otherwise.
   */
  public Principal verify(String token, List<String> resources) throws InvalidToken {
    if (looksLikeJwt(token)) {
      return verifyJwt(token, resources).withToken(new SubjectToken(token));
    }
    if (config.introspection() != null) {
      return introspect(token, resources).withToken(new SubjectToken(token));
    }
    throw new InvalidToken("the token is not valid");
  }

  private Principal verifyJwt(String token, List<String> resources) throws InvalidToken {
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException e) {
      throw new InvalidToken("the token is malformed");
    }
    if (jwt instanceof PlainJWT || !(jwt instanceof SignedJWT signed)) {
      throw new InvalidToken("unsigned or encrypted tokens are not accepted");
    }
    if (!ASYMMETRIC.contains(signed.getHeader().getAlgorithm())) {
      throw new InvalidToken("the token's signature algorithm is not accepted");
    }
    String iss;
    try {
      iss = signed.getJWTClaimsSet().getIssuer();
    } catch (ParseException e) {
      throw new InvalidToken("the token's claims are malformed");
    }
    Issuer issuer = iss == null ? null : local(iss);
    if (issuer == null && iss != null) {
      issuer = issuers.get(iss);
    }
    if (issuer == null) {
      throw new InvalidToken("the token's issuer is not trusted");
    }
    JWTClaimsSet claims;
    try {
      claims = issuer.processor().process(signed, null);
    } catch (InvalidToken e) {
      throw e;
    } catch (Exception e) { // BadJOSEException, JOSEException: signature, type, expiry, not-before
      String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
      throw new InvalidToken(m.contains("expired") ? "the token has expired"
          : m.contains("before use time") || m.contains("nbf") ? "the token is not yet valid"
          : "the token's signature or claims are not valid");
    }
    List<String> aud = claims.getAudience() == null ? List.of() : claims.getAudience();
    if (!audienceMatches(aud, resources, issuer.cfg.audiences())) {
      throw new InvalidToken("the token is not meant for this resource (audience)");
    }
    if (issuer.revoked != null && claims.getJWTID() != null && issuer.revoked.test(claims.getJWTID())) {
      throw new InvalidToken("the token has been revoked");
    }
    return principal(claims.getClaims(), issuer.cfg.groupsClaim(), issuer.cfg.scopeClaim());
  }

  static boolean audienceMatches(List<String> aud, List<String> resources, List<String> extra) {
    for (String a : aud) {
      if (resources.contains(a) || extra.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /** The principal for a token's claims (also used by introspection answers). */
  static Principal principal(Map<String, Object> claims, String groupsClaim, String scopeClaim) {
    String sub = String.valueOf(claims.get("sub"));
    String iss = claims.get("iss") == null ? "" : String.valueOf(claims.get("iss"));
    Set<String> scopes = new LinkedHashSet<>();
    Object scope = claims.get(scopeClaim);
    if (scope instanceof String s) {
      for (String part : s.trim().split("\\s+")) {
        if (!part.isEmpty()) {
          scopes.add(part);
        }
      }
    } else if (scope instanceof Collection<?> c) {
      c.forEach(x -> scopes.add(String.valueOf(x)));
    }
    if (claims.get("scp") instanceof Collection<?> c) {
      c.forEach(x -> scopes.add(String.valueOf(x)));
    } else if (claims.get("scp") instanceof String s) {
      for (String part : s.trim().split("\\s+")) {
        if (!part.isEmpty()) {
          scopes.add(part);
        }
      }
    }
    List<String> groups = new ArrayList<>();
    Object g = claims.get(groupsClaim);
    if (g instanceof Collection<?> c) {
      c.forEach(x -> groups.add(String.valueOf(x)));
    } else if (g instanceof String s) {
      groups.add(s);
    }
    return new Principal("user:" + sub + "@" + iss, "user", null, null, sub, iss, groups, Map.copyOf(
        nonNull(claims)), Set.copyOf(scopes));
  }

  private static Map<String, Object> nonNull(Map<String, Object> m) {
    Map<String, Object> out = new HashMap<>();
    m.forEach((k, v) -> {
      if (v != null) {
        out.put(k, v instanceof java.util.Date d ? (Object) (d.getTime() / 1000) : v);
      }
    });
    return out;
  }

  private String discoverJwks(String issuer) throws IOException {
    String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    IOException last = null;
    for (String doc : List.of(base + "/.well-known/openid-configuration", wellKnown(issuer))) {
      try {
        JsonNode meta = JSON.readTree(fetcher.get(URI.create(doc), "application/json"));
        if (!issuer.equals(meta.path("issuer").asText())) {
          throw new IOException("the metadata at " + doc + " names another issuer");
        }
        String jwks = meta.path("jwks_uri").asText(null);
        if (jwks != null) {
          return jwks;
        }
      } catch (IOException e) {
        last = e;
      }
    }
    throw last == null ? new IOException("no jwks_uri in the issuer's metadata") : last;
  }

  /** RFC 8414 section 3: the well-known segment goes between host and path. */
  static String wellKnown(String issuer) {
    URI u = URI.create(issuer);
    String path = u.getRawPath() == null || u.getRawPath().equals("/") ? "" : u.getRawPath();
    return u.getScheme() + "://" + u.getRawAuthority() + "/.well-known/oauth-authorization-server" + path;
  }

  private Principal introspect(String token, List<String> resources) throws InvalidToken {
    IntrospectionConfig ic = config.introspection();
    String key = digest(token);
    long now = System.currentTimeMillis();
    Cached c = introspected.get(key);
    if (c == null || c.until() < now) {
      c = callIntrospection(ic, token, now);
      if (introspected.size() > 10_000) {
        introspected.values().removeIf(x -> x.until() < now);
        if (introspected.size() > 10_000) {
          introspected.clear();
        }
      }
      introspected.put(key, c);
    }
    if (c.principal() == null) {
      throw new InvalidToken("the token is not active");
    }
    if (!c.audiences().isEmpty() && !audienceMatches(c.audiences(), resources, ic.audiences())) {
      throw new InvalidToken("the token is not meant for this resource (audience)");
    }
    return c.principal();
  }

  private Cached callIntrospection(IntrospectionConfig ic, String token, long now) throws InvalidToken {
    URI endpoint = URI.create(ic.endpoint());
    String why = fetcher.refusal(endpoint);
    if (why != null) {
      LOG.warn("introspection endpoint refused: {}", why);
      throw new InvalidToken("the token cannot be checked");
    }
    String basic = Base64.getEncoder().encodeToString((form(ic.clientId()) + ":" + form(ic.clientSecret()))
        .getBytes(StandardCharsets.UTF_8));
    try {
      GuardedFetch.Response r = fetcher.postForm(endpoint, Map.of("accept", "application/json",
          "authorization", "Basic " + basic), "token=" + form(token) + "&token_type_hint=access_token");
      if (r.status() != 200) {
        throw new IOException("HTTP " + r.status());
      }
      JsonNode body = JSON.readTree(r.text());
      long ttl = ic.cacheSeconds() * 1000;
      if (!body.path("active").asBoolean(false)) {
        return new Cached(null, List.of(), now + Math.min(ttl, 5_000));
      }
      long exp = body.path("exp").asLong(0);
      if (exp > 0 && exp * 1000 <= now) {
        return new Cached(null, List.of(), now + 5_000);
      }
      if (exp > 0) {
        ttl = Math.min(ttl, exp * 1000 - now);
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> claims = JSON.convertValue(body, Map.class);
      if (claims.get("sub") == null) {
        claims.put("sub", body.path("username").asText(body.path("client_id").asText("unknown")));
      }
      List<String> aud = new ArrayList<>();
      JsonNode a = body.path("aud");
      if (a.isTextual()) {
        aud.add(a.asText());
      } else {
        a.forEach(x -> aud.add(x.asText()));
      }
      return new Cached(principal(claims, "groups", "scope"), aud, now + ttl);
    } catch (IOException e) {
      LOG.warn("token introspection failed: {}", e.toString());
      throw new InvalidToken("the token cannot be checked right now");
    }
  }

  private static String form(String s) {
    return java.net.URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
  }

  private static String digest(String token) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
