package dev.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.portcullis.identity.MockIdp;
import dev.portcullis.testing.GatewayHarness;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built-in authorization server end to end, browserless, against a real OpenID Connect
 * provider (mock-oauth2-server): discovery, registration (RFC 7591 and client ID metadata
 * documents), PKCE authorization through the upstream login and the consent page, tokens,
 * refresh rotation, revocation, client credentials, and MCP calls with the gateway's tokens. The
 * state lives in the SQLite store here.
 */
class AuthorizationServerFlowTest {
  static final String REDIRECT = "http://127.0.0.1:33418/callback";
  static MockOAuth2Server idp;
  static GatewayHarness gw;
  static HttpServer documents;
  static Path dir;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    idp = MockIdp.start();
    dir = Files.createTempDirectory("portcullis-as");
    documents = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    documents.start();
    gw = GatewayHarness.start("""
        mcp:
          servers:
            demo: { type: builtin }
        store:
          url: jdbc:sqlite:%s/as.db
        identity:
          mcp_scopes: [mcp]
          fetch: { allow_private_networks: true, allow_http: true, timeout_ms: 20000 }   # a cold mock IdP on a busy machine
          authorization_server:
            access_token_seconds: 300
            upstream:
              issuer: %s
              client_id: portcullis
              client_secret: upstream-secret
            clients:
              - client_id: svc-reports
                client_secret: svc-secret-0123456789
                scopes: [mcp]
                groups: [automation]
        """.formatted(dir, idp.issuerUrl("default")));
    base = gw.baseUrl();
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (documents != null) {
      documents.stop(0);
    }
    if (idp != null) {
      idp.shutdown();
    }
  }

  /** The next upstream login is this user. */
  static void nextUser(String sub, String email) {
    idp.enqueueCallback(new DefaultOAuth2TokenCallback("default", sub, JOSEObjectType.JWT.getType(),
        List.of("portcullis"), Map.of("email", email, "groups", List.of("eng")), 3600));
  }

  @Test
  void metadataAdvertisesTheGatewayAsTheAuthorizationServer() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    JsonNode prm = OAuthBrowser.JSON.readTree(b.get(base + "/.well-known/oauth-protected-resource/mcp").body());
    assertThat(prm.path("authorization_servers").get(0).asText()).isEqualTo(base);

    JsonNode as = OAuthBrowser.JSON.readTree(b.get(base + "/.well-known/oauth-authorization-server").body());
    assertThat(as.path("issuer").asText()).isEqualTo(base);
    assertThat(as.path("authorization_endpoint").asText()).isEqualTo(base + "/oauth/authorize");
    assertThat(as.path("token_endpoint").asText()).isEqualTo(base + "/oauth/token");
    assertThat(as.path("registration_endpoint").asText()).isEqualTo(base + "/oauth/register");
    assertThat(as.path("revocation_endpoint").asText()).isEqualTo(base + "/oauth/revoke");
    assertThat(as.path("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");
    assertThat(as.path("authorization_response_iss_parameter_supported").asBoolean()).isTrue();
    assertThat(as.path("client_id_metadata_document_supported").asBoolean()).isTrue();
    assertThat(as.path("scopes_supported").toString()).contains("mcp");

    JsonNode oidc = OAuthBrowser.JSON.readTree(b.get(base + "/.well-known/openid-configuration").body());
    assertThat(oidc.path("issuer").asText()).isEqualTo(base);
    assertThat(oidc.path("token_endpoint").asText()).isEqualTo(base + "/oauth/token");

    JsonNode jwks = OAuthBrowser.JSON.readTree(b.get(as.path("jwks_uri").asText()).body());
    assertThat(jwks.path("keys").get(0).path("kty").asText()).isEqualTo("EC");
    assertThat(jwks.path("keys").get(0).path("alg").asText()).isEqualTo("ES256");
    assertThat(jwks.path("keys").get(0).has("d")).isFalse();
  }

  @Test
  void registeredClientAuthorizesRefreshesWithRotationAndCallsMcp() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    String client = b.register(REDIRECT, "Test IDE");
    String verifier = OAuthBrowser.verifier();
    nextUser("alice", "alice@example.com");
    Map<String, String> back = b.authorize(client, REDIRECT, OAuthBrowser.challenge(verifier), "st-1");
    assertThat(back.get("state")).isEqualTo("st-1");
    assertThat(back.get("iss")).isEqualTo(base);

    JsonNode t = b.exchange(client, back.get("code"), REDIRECT, verifier, 200);
    assertThat(t.path("token_type").asText()).isEqualTo("Bearer");
    assertThat(t.path("expires_in").asLong()).isEqualTo(300);
    assertThat(t.path("scope").asText()).isEqualTo("mcp");
    JWTClaimsSet claims = SignedJWT.parse(t.path("access_token").asText()).getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo(base);
    assertThat(claims.getAudience()).containsExactly(base + "/mcp");
    assertThat(claims.getSubject()).isEqualTo("alice");
    assertThat(claims.getClaim("email")).isEqualTo("alice@example.com");
    assertThat(claims.getStringListClaim("groups")).containsExactly("eng");
    assertThat(claims.getClaim("client_id")).isEqualTo(client);
    assertThat(SignedJWT.parse(t.path("access_token").asText()).getHeader().getType().getType())
        .isEqualTo("at+jwt");
    assertThat(b.mcpInitialize(t.path("access_token").asText())).isEqualTo(200);

    // rotation: a new refresh token each time; the old one is then dead
    JsonNode t2 = b.refresh(client, t.path("refresh_token").asText(), 200);
    assertThat(t2.path("refresh_token").asText()).isNotEqualTo(t.path("refresh_token").asText());
    assertThat(b.mcpInitialize(t2.path("access_token").asText())).isEqualTo(200);
    JsonNode t3 = b.refresh(client, t2.path("refresh_token").asText(), 200);

    // reuse of a rotated token: refused, and the whole family (the newest tokens too) is revoked
    JsonNode reuse = b.refresh(client, t.path("refresh_token").asText(), 400);
    assertThat(reuse.path("error").asText()).isEqualTo("invalid_grant");
    assertThat(b.refresh(client, t3.path("refresh_token").asText(), 400).path("error").asText())
        .isEqualTo("invalid_grant");
    assertThat(b.mcpInitialize(t3.path("access_token").asText())).isEqualTo(401);
  }

  @Test
  void revocationEndsRefreshAndAccessTokens() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    String client = b.register(REDIRECT, "Revoker");
    String verifier = OAuthBrowser.verifier();
    nextUser("bob", "bob@example.com");
    Map<String, String> back = b.authorize(client, REDIRECT, OAuthBrowser.challenge(verifier), "s");
    JsonNode t = b.exchange(client, back.get("code"), REDIRECT, verifier, 200);
    String access = t.path("access_token").asText();
    assertThat(b.mcpInitialize(access)).isEqualTo(200);

    HttpResponse<String> r = b.postForm(base + "/oauth/revoke", Map.of("client_id", client, "token", access,
        "token_type_hint", "access_token"), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(b.mcpInitialize(access)).isEqualTo(401);
    // the refresh token still works until it is revoked itself
    JsonNode t2 = b.refresh(client, t.path("refresh_token").asText(), 200);
    assertThat(b.postForm(base + "/oauth/revoke", Map.of("client_id", client, "token",
        t2.path("refresh_token").asText()), null).statusCode()).isEqualTo(200);
    assertThat(b.refresh(client, t2.path("refresh_token").asText(), 400).path("error").asText())
        .isEqualTo("invalid_grant");
    assertThat(b.mcpInitialize(t2.path("access_token").asText())).isEqualTo(401);
    // unknown tokens are answered 200 too (RFC 7009)
    assertThat(b.postForm(base + "/oauth/revoke", Map.of("client_id", client, "token", "nonsense"), null)
        .statusCode()).isEqualTo(200);
  }

  @Test
  void clientIdMetadataDocumentNeedsNoRegistration() throws Exception {
    String clientId = "http://127.0.0.1:" + documents.getAddress().getPort() + "/clients/ide.json";
    String redirect = "http://localhost:47001/cb";
    byte[] doc = ("{\"client_id\":\"" + clientId + "\",\"client_name\":\"Document IDE\",\"redirect_uris\":[\""
        + redirect + "\"],\"token_endpoint_auth_method\":\"none\",\"grant_types\":[\"authorization_code\","
        + "\"refresh_token\"]}").getBytes(StandardCharsets.UTF_8);
    documents.createContext("/clients/ide.json", ex -> {
      ex.getResponseHeaders().add("content-type", "application/json");
      ex.sendResponseHeaders(200, doc.length);
      ex.getResponseBody().write(doc);
      ex.close();
    });
    OAuthBrowser b = new OAuthBrowser(base);
    String verifier = OAuthBrowser.verifier();
    nextUser("carol", "carol@example.com");
    OAuthBrowser.Consent c = b.consentPage(b.loginAtIdp(b.authorizeUrl(clientId, redirect,
        OAuthBrowser.challenge(verifier), "doc", "mcp")));
    assertThat(c.page().body()).contains("Document IDE").contains(redirect).contains("carol@example.com")
        .contains("metadata document at <strong>127.0.0.1</strong>");
    assertThat(c.page().headers().firstValue("x-frame-options")).contains("DENY");
    assertThat(c.page().headers().allValues("set-cookie")).anyMatch(v -> v.startsWith("pc_csrf_")
        && v.contains("HttpOnly") && v.contains("SameSite=Strict"));
    Map<String, String> back = OAuthBrowser.query(OAuthBrowser.location(b.submitConsent(c, "approve")));
    JsonNode t = b.exchange(clientId, back.get("code"), redirect, verifier, 200);
    assertThat(b.mcpInitialize(t.path("access_token").asText())).isEqualTo(200);
  }

  @Test
  void serviceAccountUsesClientCredentials() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    HttpResponse<String> r = b.postForm(base + "/oauth/token", Map.of("grant_type", "client_credentials",
        "resource", base + "/mcp"), "svc-reports:svc-secret-0123456789");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode t = OAuthBrowser.JSON.readTree(r.body());
    assertThat(t.has("refresh_token")).isFalse();
    JWTClaimsSet claims = SignedJWT.parse(t.path("access_token").asText()).getJWTClaimsSet();
    assertThat(claims.getSubject()).isEqualTo("svc-reports");
    assertThat(claims.getStringListClaim("groups")).containsExactly("automation");
    assertThat(b.mcpInitialize(t.path("access_token").asText())).isEqualTo(200);

    HttpResponse<String> bad = b.postForm(base + "/oauth/token", Map.of("grant_type", "client_credentials"),
        "svc-reports:wrong");
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(bad.body()).contains("invalid_client");
  }
}
