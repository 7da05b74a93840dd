package dev.portcullis.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.portcullis.config.IdentityConfig;
import dev.portcullis.config.IdentityConfig.FetchConfig;
import dev.portcullis.config.IdentityConfig.IssuerConfig;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JWK set rotation and caching, the SSRF check on discovery URLs, and claim mapping. */
class TokenVerifierUnitTest {
  static final String RESOURCE = "https://gw.example.com";
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  static String sign(RSAKey key, String iss, String aud) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
        new JWTClaimsSet.Builder().issuer(iss).subject("svc").audience(aud).claim("scp", List.of("mcp", "llm"))
            .claim("groups", List.of("ops")).expirationTime(new Date(System.currentTimeMillis() + 60_000)).build());
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  @Test
  void rotatedSigningKeysAreFetchedOnceAndCached() throws Exception {
    RSAKey first = new RSAKeyGenerator(2048).keyID("k1").generate();
    RSAKey second = new RSAKeyGenerator(2048).keyID("k2").generate();
    AtomicReference<String> jwks = new AtomicReference<>(new JWKSet(first.toPublicJWK()).toString());
    AtomicInteger fetches = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/jwks", ex -> {
      fetches.incrementAndGet();
      byte[] b = jwks.get().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("content-type", "application/json");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    server.start();
    try {
      String iss = "https://idp.example.com";
      String jwksUri = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
      IdentityConfig cfg = new IdentityConfig(RESOURCE, List.of(new IssuerConfig(iss, jwksUri, null, null, null,
          null)), null, null, null, null, null, null, new FetchConfig(true, null, true, null, null), null);
      TokenVerifier v = new TokenVerifier(cfg, new SafeFetcher(vertx, cfg.fetch()), List.of());
      Principal p = v.verify(sign(first, iss, RESOURCE), List.of(RESOURCE));
      assertThat(p.subject()).isEqualTo("svc");
      assertThat(p.scopes()).containsExactlyInAnyOrder("mcp", "llm");
      assertThat(p.groups()).containsExactly("ops");
      v.verify(sign(first, iss, RESOURCE), List.of(RESOURCE));
      assertThat(fetches.get()).isEqualTo(1); // cached
      jwks.set(new JWKSet(List.of(first.toPublicJWK(), second.toPublicJWK())).toString());
      assertThat(v.verify(sign(second, iss, RESOURCE), List.of(RESOURCE)).subject()).isEqualTo("svc");
      assertThat(fetches.get()).isEqualTo(2); // an unknown kid refreshes the set once
      RSAKey stranger = new RSAKeyGenerator(2048).keyID("k1").generate(); // same kid, other key
      assertThatThrownBy(() -> v.verify(sign(stranger, iss, RESOURCE), List.of(RESOURCE)))
          .isInstanceOf(TokenVerifier.InvalidToken.class);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void discoveryUrlsAreSsrfChecked() throws Exception {
    SafeFetcher strict = new SafeFetcher(vertx, new FetchConfig(null, null, null, null, null));
    assertThat(strict.refusal(URI.create("http://example.com/jwks"))).contains("https");
    assertThat(strict.refusal(URI.create("https://127.0.0.1/jwks"))).contains("internal");
    assertThat(strict.refusal(URI.create("https://localhost/jwks"))).contains("internal");
    assertThat(strict.refusal(URI.create("https://169.254.169.254/latest/meta-data"))).contains("internal");
    assertThat(strict.refusal(URI.create("https://10.1.2.3/x"))).contains("internal");
    assertThat(strict.refusal(URI.create("https://[::1]/x"))).contains("internal");
    assertThat(strict.refusal(URI.create("https://[fd00::1]/x"))).contains("internal");
    assertThat(strict.refusal(URI.create("https://[::ffff:127.0.0.1]/x"))).contains("internal");
    assertThat(strict.refusal(URI.create("https://user:pw@example.com/x"))).contains("credentials");
    assertThat(strict.refusal(URI.create("https://0.0.0.0/x"))).contains("internal");
    SafeFetcher allowHost = new SafeFetcher(vertx, new FetchConfig(false, List.of("localhost"), false, null, null));
    assertThat(allowHost.refusal(URI.create("https://localhost/jwks"))).isNull();

    // an issuer whose JWKS lives on an internal address is refused, and the token with it
    String iss = "https://idp.example.com";
    IdentityConfig cfg = new IdentityConfig(RESOURCE, List.of(new IssuerConfig(iss,
        "https://169.254.169.254/jwks", null, null, null, null)), null, null, null, null, null, null, null, null);
    TokenVerifier v = new TokenVerifier(cfg, new SafeFetcher(vertx, cfg.fetch()), List.of());
    RSAKey key = new RSAKeyGenerator(2048).keyID("k").generate();
    assertThatThrownBy(() -> v.verify(sign(key, iss, RESOURCE), List.of(RESOURCE)))
        .isInstanceOf(TokenVerifier.InvalidToken.class).hasMessageContaining("unavailable");
  }

  @Test
  void aJwkSetUrlThatRedirectsIsRefusedAndTheTargetNeverAsked() throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("k").generate();
    AtomicInteger internalHits = new AtomicInteger();
    HttpServer internal = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    internal.createContext("/jwks", ex -> {
      internalHits.incrementAndGet();
      byte[] b = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    String target = "http://127.0.0.1:" + internal.getAddress().getPort() + "/jwks";
    // the JWK set's host is allowed explicitly (127.0.0.2, loopback on Linux); it redirects to
    // 127.0.0.1, which no rule allows
    HttpServer allowed = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), 0);
    allowed.createContext("/jwks", ex -> {
      ex.getResponseHeaders().add("location", target);
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    internal.start();
    allowed.start();
    try {
      String iss = "https://idp.example.com";
      String jwksUri = "http://127.0.0.2:" + allowed.getAddress().getPort() + "/jwks";
      IdentityConfig cfg = new IdentityConfig(RESOURCE, List.of(new IssuerConfig(iss, jwksUri, null, null, null,
          null)), null, null, null, null, null, null, new FetchConfig(false, List.of("127.0.0.2"), true, null, null),
          null);
      SafeFetcher fetcher = new SafeFetcher(vertx, cfg.fetch());
      assertThatThrownBy(() -> fetcher.get(URI.create(jwksUri), "application/json"))
          .hasMessageContaining(jwksUri).hasMessageContaining("redirects to " + target);
      TokenVerifier v = new TokenVerifier(cfg, fetcher, List.of());
      assertThatThrownBy(() -> v.verify(sign(key, iss, RESOURCE), List.of(RESOURCE)))
          .isInstanceOf(TokenVerifier.InvalidToken.class);
      assertThat(internalHits.get()).isZero();
    } finally {
      allowed.stop(0);
      internal.stop(0);
    }
  }
}
