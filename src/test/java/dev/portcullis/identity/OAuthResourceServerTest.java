package dev.portcullis.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway as an OAuth 2.1 resource server, against a real OpenID Connect provider
 * (mock-oauth2-server, in-process): RFC 9728 metadata, Bearer challenges, and tokens that must be
 * refused (each failing closed).
 */
class OAuthResourceServerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static MockOAuth2Server idp;
  static GatewayHarness gw;
  static String issuer;

  @BeforeAll
  static void start() throws Exception {
    idp = MockIdp.start();
    issuer = idp.issuerUrl("default").toString();
    gw = GatewayHarness.start("""
        mcp:
          servers:
            demo: { type: builtin }
        identity:
          issuers:
            - issuer: %s
          mcp_scopes: [mcp]
          scopes_supported: [mcp, mcp:admin]
          fetch: { allow_private_networks: true, allow_http: true }
        """.formatted(issuer));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (idp != null) {
      idp.shutdown();
    }
  }

  static String token(String issuerId, String sub, List<String> aud, Map<String, Object> claims, long expiry) {
    return idp.issueToken(issuerId, "client-1", new DefaultOAuth2TokenCallback(issuerId, sub,
        JOSEObjectType.JWT.getType(), aud, claims, expiry)).serialize();
  }

  static String good(String sub) {
    return token("default", sub, List.of(gw.baseUrl() + "/mcp"), Map.of("scope", "mcp openid",
        "groups", List.of("eng")), 3600);
  }

  static HttpResponse<String> initialize(String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .timeout(Duration.ofSeconds(20))
        .header("accept", "application/json, text/event-stream").header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
            + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
            + "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"));
    if (bearer != null) {
      b.header("authorization", "Bearer " + bearer);
    }
    return gw.send(b.build());
  }

  static void assertRefused(HttpResponse<String> r, String why) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    String challenge = r.headers().firstValue("www-authenticate").orElseThrow();
    assertThat(challenge).startsWith("Bearer ")
        .contains("resource_metadata=\"" + gw.baseUrl() + "/.well-known/oauth-protected-resource/mcp\"")
        .contains("error=\"invalid_token\"");
    assertThat(r.body()).contains(why).doesNotContain("eyJ");
  }

  @Test
  void noTokenGetsAChallengePointingAtTheProtectedResourceMetadata() throws Exception {
    HttpResponse<String> r = initialize(null);
    assertThat(r.statusCode()).isEqualTo(401);
    String challenge = r.headers().firstValue("www-authenticate").orElseThrow();
    assertThat(challenge).isEqualTo("Bearer resource_metadata=\"" + gw.baseUrl()
        + "/.well-known/oauth-protected-resource/mcp\", scope=\"mcp\"");
    assertThat(JSON.readTree(r.body()).path("error").path("code").asInt()).isEqualTo(-32600);

    HttpResponse<String> meta = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl()
        + "/.well-known/oauth-protected-resource/mcp")).GET().build());
    assertThat(meta.statusCode()).isEqualTo(200);
    JsonNode m = JSON.readTree(meta.body());
    assertThat(m.path("resource").asText()).isEqualTo(gw.baseUrl() + "/mcp");
    assertThat(m.path("authorization_servers").get(0).asText()).isEqualTo(issuer);
    assertThat(m.path("bearer_methods_supported").toString()).contains("header");
    assertThat(m.path("scopes_supported").toString()).contains("mcp:admin");

    JsonNode root = JSON.readTree(gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl()
        + "/.well-known/oauth-protected-resource")).GET().build()).body());
    assertThat(root.path("resource").asText()).isEqualTo(gw.baseUrl());
    assertThat(gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl()
        + "/.well-known/oauth-protected-resource/etc/passwd")).GET().build()).statusCode()).isEqualTo(404);
  }

  @Test
  void aValidTokenOpensASessionAndGatewayKeysStillWork() throws Exception {
    HttpResponse<String> r = initialize(good("alice"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("mcp-session-id")).isPresent();
    // audience = the base URL (RFC 8707 resource of the whole gateway) is accepted as well
    String base = token("default", "alice", List.of(gw.baseUrl()), Map.of("scope", "mcp"), 3600);
    assertThat(initialize(base).statusCode()).isEqualTo(200);
    assertThat(initialize(GatewayHarness.KEY).statusCode()).isEqualTo(200);
  }

  @Test
  void expiredTokenIsRefused() throws Exception {
    String expired = token("default", "alice", List.of(gw.baseUrl() + "/mcp"), Map.of("scope", "mcp"), -120);
    assertRefused(initialize(expired), "expired");
  }

  @Test
  void tokenFromAnotherIssuerIsRefused() throws Exception {
    String other = token("other", "alice", List.of(gw.baseUrl() + "/mcp"), Map.of("scope", "mcp"), 3600);
    assertRefused(initialize(other), "issuer is not trusted");
  }

  @Test
  void tokenForAnotherAudienceIsRefused() throws Exception {
    String wrong = token("default", "alice", List.of("https://other.example.com/mcp"), Map.of("scope", "mcp"), 3600);
    assertRefused(initialize(wrong), "audience");
    String none = token("default", "alice", List.of(), Map.of("scope", "mcp"), 3600);
    assertRefused(initialize(none), "audience");
  }

  @Test
  void unsignedTokenIsRefused() throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).subject("mallory")
        .audience(gw.baseUrl() + "/mcp").claim("scope", "mcp")
        .expirationTime(new Date(System.currentTimeMillis() + 600_000)).build();
    assertRefused(initialize(new PlainJWT(claims).serialize()), "unsigned");
    // also with a forged header that says "none" but carries a signature part
    String good = good("alice");
    String[] parts = good.split("\\.");
    String noneHeader = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(initialize(noneHeader + "." + parts[1] + ".").statusCode()).isEqualTo(401);
    assertThat(initialize(noneHeader + "." + parts[1] + "." + parts[2]).statusCode()).isEqualTo(401);
  }

  @Test
  void hmacSignedWithThePublicKeyIsRefused() throws Exception {
    String jwks = new String(idp.jwksUrl("default").url().openStream().readAllBytes(), StandardCharsets.UTF_8);
    RSAKey pub = (RSAKey) JWKSet.parse(jwks).getKeys().get(0);
    byte[] secret = pub.toRSAPublicKey().getEncoded();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).subject("mallory")
        .audience(gw.baseUrl() + "/mcp").claim("scope", "mcp")
        .expirationTime(new Date(System.currentTimeMillis() + 600_000)).build();
    SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(pub.getKeyID()).build(), claims);
    forged.sign(new MACSigner(secret));
    assertRefused(initialize(forged.serialize()), "algorithm");
    // the PEM-ish text of the JWK as the secret, another classic confusion
    SignedJWT forged2 = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(pub.getKeyID()).build(),
        claims);
    forged2.sign(new MACSigner(pub.toJSONString().getBytes(StandardCharsets.UTF_8)));
    assertRefused(initialize(forged2.serialize()), "algorithm");
  }

  @Test
  void tamperedTokenIsRefused() throws Exception {
    String[] parts = good("alice").split("\\.");
    JsonNode payload = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    String changed = payload.toString().replace("\"alice\"", "\"admin\"");
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(changed.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    assertRefused(initialize(tampered), "signature");
    char[] sig = parts[2].toCharArray();
    sig[5] = sig[5] == 'A' ? 'B' : 'A';
    assertRefused(initialize(parts[0] + "." + parts[1] + "." + new String(sig)), "signature");
    assertRefused(initialize("not-a-token"), "not valid");
  }

  @Test
  void missingScopeIsForbiddenWithInsufficientScope() throws Exception {
    String t = token("default", "alice", List.of(gw.baseUrl() + "/mcp"), Map.of("scope", "openid"), 3600);
    HttpResponse<String> r = initialize(t);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("www-authenticate").orElseThrow())
        .contains("error=\"insufficient_scope\"").contains("scope=\"mcp\"")
        .contains("resource_metadata=");
  }

  @Test
  void aSessionIsUsableOnlyByThePrincipalThatOpenedIt() throws Exception {
    HttpResponse<String> r = initialize(good("alice"));
    String session = r.headers().firstValue("mcp-session-id").orElseThrow();
    assertThat(session.length()).isGreaterThanOrEqualTo(40); // 256 random bits
    HttpResponse<String> bob = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .header("accept", "application/json, text/event-stream").header("content-type", "application/json")
        .header("authorization", "Bearer " + good("bob")).header("mcp-session-id", session)
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"))
        .build());
    assertThat(bob.statusCode()).isEqualTo(404);
    HttpResponse<String> alice = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .header("accept", "application/json, text/event-stream").header("content-type", "application/json")
        .header("authorization", "Bearer " + good("alice")).header("mcp-session-id", session)
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"))
        .build());
    assertThat(alice.statusCode()).isEqualTo(200);
    // a gateway key cannot ride the user's session either
    HttpResponse<String> key = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .header("accept", "application/json, text/event-stream").header("content-type", "application/json")
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("mcp-session-id", session)
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"))
        .build());
    assertThat(key.statusCode()).isEqualTo(404);
  }

  @Test
  void llmRoutesStayKeyOnlyUnlessConfigured() throws Exception {
    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/models"))
        .header("authorization", "Bearer " + good("alice")).GET().build());
    assertThat(r.statusCode()).isEqualTo(401);
  }
}
