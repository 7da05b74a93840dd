package dev.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.sun.net.httpserver.HttpServer;
import dev.portcullis.identity.MockIdp;
import dev.portcullis.testing.GatewayHarness;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built-in authorization server failing closed: reused codes, wrong PKCE verifiers, redirect
 * URI mismatches, replayed state, missing or wrong CSRF cookies, a login finished in another
 * browser, bad registrations, and client metadata documents on internal addresses (SSRF). State in
 * memory here.
 */
class AuthorizationServerNegativeTest {
  static final String REDIRECT = "http://127.0.0.1:33419/callback";
  static MockOAuth2Server idp;
  static GatewayHarness gw;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    idp = MockIdp.start();
    // the IdP is reachable as "localhost" only: 127.0.0.1 and other internal addresses stay refused
    gw = GatewayHarness.start("""
        mcp:
          servers:
            demo: { type: builtin }
        identity:
          mcp_scopes: [mcp]
          fetch: { allow_hosts: [localhost], allow_http: true, timeout_ms: 20000 }   # a cold mock IdP on a busy machine
          authorization_server:
            upstream:
              issuer: %s
              client_id: portcullis
        """.formatted(idp.issuerUrl("default")));
    base = gw.baseUrl();
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

  static void nextUser() {
    idp.enqueueCallback(new DefaultOAuth2TokenCallback("default", "eve", JOSEObjectType.JWT.getType(),
        List.of("portcullis"), Map.of("email", "eve@example.com"), 3600));
  }

  record Started(OAuthBrowser browser, String client, String verifier, Map<String, String> back) {}

  static Started authorized() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    String client = b.register(REDIRECT, "Negative");
    String verifier = OAuthBrowser.verifier();
    nextUser();
    return new Started(b, client, verifier, b.authorize(client, REDIRECT, OAuthBrowser.challenge(verifier), "x"));
  }

  @Test
  void reusedCodeIsRefusedAndRevokesWhatItIssued() throws Exception {
    Started s = authorized();
    JsonNode t = s.browser().exchange(s.client(), s.back().get("code"), REDIRECT, s.verifier(), 200);
    assertThat(s.browser().mcpInitialize(t.path("access_token").asText())).isEqualTo(200);
    JsonNode again = s.browser().exchange(s.client(), s.back().get("code"), REDIRECT, s.verifier(), 400);
    assertThat(again.path("error").asText()).isEqualTo("invalid_grant");
    assertThat(s.browser().mcpInitialize(t.path("access_token").asText())).isEqualTo(401);
    assertThat(s.browser().refresh(s.client(), t.path("refresh_token").asText(), 400).path("error").asText())
        .isEqualTo("invalid_grant");
  }

  @Test
  void wrongPkceVerifierIsRefusedAndBurnsTheCode() throws Exception {
    Started s = authorized();
    JsonNode wrong = s.browser().exchange(s.client(), s.back().get("code"), REDIRECT, OAuthBrowser.verifier(), 400);
    assertThat(wrong.path("error").asText()).isEqualTo("invalid_grant");
    assertThat(wrong.path("error_description").asText()).contains("code_verifier");
    // the right verifier after a wrong one: the code is single-use, already gone
    assertThat(s.browser().exchange(s.client(), s.back().get("code"), REDIRECT, s.verifier(), 400)
        .path("error").asText()).isEqualTo("invalid_grant");
    Started s2 = authorized();
    assertThat(s2.browser().exchange(s2.client(), s2.back().get("code"), REDIRECT, null, 400)
        .path("error").asText()).isEqualTo("invalid_grant");
  }

  @Test
  void codeOfAnotherClientOrRedirectIsRefused() throws Exception {
    Started s = authorized();
    String other = s.browser().register(REDIRECT, "Other");
    assertThat(s.browser().exchange(other, s.back().get("code"), REDIRECT, s.verifier(), 400).path("error")
        .asText()).isEqualTo("invalid_grant");
    Started s2 = authorized();
    assertThat(s2.browser().exchange(s2.client(), s2.back().get("code"), REDIRECT + "x", s2.verifier(), 400)
        .path("error_description").asText()).contains("redirect_uri");
  }

  @Test
  void redirectUriMismatchShowsAnErrorPageAndNeverRedirects() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    String client = b.register(REDIRECT, "Exact");
    for (String wrong : List.of(REDIRECT + "/more", "http://127.0.0.1:33419/callback?x=1",
        "http://127.0.0.1:33420/callback", "https://attacker.example/callback")) {
      HttpResponse<String> r = b.get(b.authorizeUrl(client, wrong, OAuthBrowser.challenge(OAuthBrowser.verifier()),
          "s", "mcp"));
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.headers().firstValue("location")).isEmpty();
      assertThat(r.body()).contains("Invalid redirect URI");
    }
    HttpResponse<String> unknown = b.get(b.authorizeUrl("pc_nobody", REDIRECT, "x", "s", "mcp"));
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.headers().firstValue("location")).isEmpty();
  }

  @Test
  void pkceIsRequiredAndOnlyS256() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    String client = b.register(REDIRECT, "NoPkce");
    String url = b.authorizeUrl(client, REDIRECT, OAuthBrowser.challenge(OAuthBrowser.verifier()), "s", "mcp");
    Map<String, String> plain = OAuthBrowser.query(OAuthBrowser.location(b.get(url.replace(
        "code_challenge_method=S256", "code_challenge_method=plain"))));
    assertThat(plain.get("error")).isEqualTo("invalid_request");
    assertThat(plain.get("state")).isEqualTo("s");
    assertThat(plain.get("iss")).isEqualTo(base);
    Map<String, String> none = OAuthBrowser.query(OAuthBrowser.location(b.get(url.replaceAll(
        "code_challenge=[^&]*&", ""))));
    assertThat(none.get("error")).isEqualTo("invalid_request");
    Map<String, String> target = OAuthBrowser.query(OAuthBrowser.location(b.get(url.replace(
        OAuthBrowser.enc(base + "/mcp"), OAuthBrowser.enc("https://elsewhere.example/mcp")))));
    assertThat(target.get("error")).isEqualTo("invalid_target");
    Map<String, String> scope = OAuthBrowser.query(OAuthBrowser.location(b.get(url.replace("scope=mcp",
        "scope=admin"))));
    assertThat(scope.get("error")).isEqualTo("invalid_scope");
  }

  @Test
  void replayedStateAtTheCallbackIsRefused() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    String client = b.register(REDIRECT, "Replay");
    nextUser();
    String callback = b.loginAtIdp(b.authorizeUrl(client, REDIRECT, OAuthBrowser.challenge(OAuthBrowser.verifier()),
        "s", "mcp"));
    Map<String, String> saved = Map.copyOf(b.cookies);
    assertThat(b.get(callback).statusCode()).isEqualTo(200);
    b.cookies.putAll(saved); // even with the login cookie back
    HttpResponse<String> again = b.get(callback);
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(again.body()).contains("already used");
  }

  @Test
  void callbackInAnotherBrowserIsRefused() throws Exception {
    OAuthBrowser victim = new OAuthBrowser(base);
    String client = victim.register(REDIRECT, "Fixation");
    nextUser();
    String callback = victim.loginAtIdp(victim.authorizeUrl(client, REDIRECT,
        OAuthBrowser.challenge(OAuthBrowser.verifier()), "s", "mcp"));
    HttpResponse<String> r = new OAuthBrowser(base).get(callback); // no login cookie
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).doesNotContain("name=\"csrf\"");
  }

  @Test
  void consentWithoutTheCsrfCookieOrWithAnotherTokenIsRefused() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    String client = b.register(REDIRECT, "Csrf");
    nextUser();
    OAuthBrowser.Consent c = b.consentPage(b.loginAtIdp(b.authorizeUrl(client, REDIRECT,
        OAuthBrowser.challenge(OAuthBrowser.verifier()), "s", "mcp")));
    OAuthBrowser attacker = new OAuthBrowser(base); // a cross-site form post: no SameSite=Strict cookie
    HttpResponse<String> r = attacker.submitConsent(c, "approve");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("location")).isEmpty();
    // the consent was single-use: the real browser cannot complete it now either (fail closed)
    assertThat(b.submitConsent(c, "approve").statusCode()).isEqualTo(400);

    nextUser();
    OAuthBrowser.Consent c2 = b.consentPage(b.loginAtIdp(b.authorizeUrl(client, REDIRECT,
        OAuthBrowser.challenge(OAuthBrowser.verifier()), "s", "mcp")));
    HttpResponse<String> forged = b.submitConsent(new OAuthBrowser.Consent(c2.page(), c2.consentId(),
        Secrets.token()), "approve");
    assertThat(forged.statusCode()).isEqualTo(403);
  }

  @Test
  void denialRedirectsWithAccessDenied() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    String client = b.register(REDIRECT, "Deny");
    nextUser();
    OAuthBrowser.Consent c = b.consentPage(b.loginAtIdp(b.authorizeUrl(client, REDIRECT,
        OAuthBrowser.challenge(OAuthBrowser.verifier()), "st", "mcp")));
    Map<String, String> back = OAuthBrowser.query(OAuthBrowser.location(b.submitConsent(c, "deny")));
    assertThat(back).containsEntry("error", "access_denied").containsEntry("state", "st")
        .containsEntry("iss", base).doesNotContainKey("code");
  }

  @Test
  void badRegistrationsAreRefused() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    for (String uri : List.of("http://attacker.example/cb", "javascript:alert(1)", "https://x.example/cb#frag",
        "relative/cb")) {
      HttpResponse<String> r = b.postJson(base + "/oauth/register", "{\"redirect_uris\":[\"" + uri + "\"]}");
      assertThat(r.statusCode()).as(uri).isEqualTo(400);
      assertThat(r.body()).contains("invalid_redirect_uri");
    }
    assertThat(b.postJson(base + "/oauth/register", "{\"redirect_uris\":[\"" + REDIRECT
        + "\"],\"token_endpoint_auth_method\":\"private_key_jwt\"}").body()).contains("invalid_client_metadata");
    assertThat(b.postJson(base + "/oauth/register", "not json").statusCode()).isEqualTo(400);
    // a second redirect_uris (one reader would check the first, another use the last) or data after the
    // object: refused, not registered
    for (String body : List.of("{\"redirect_uris\":[\"" + REDIRECT + "\"],\"redirect_uris\":[\"https://attacker"
        + ".example/cb\"]}", "{\"redirect_uris\":[\"" + REDIRECT + "\"]} {\"redirect_uris\":[]}")) {
      HttpResponse<String> r = b.postJson(base + "/oauth/register", body);
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      JsonNode error = OAuthBrowser.JSON.readTree(r.body());
      assertThat(error.path("error").asText()).isEqualTo("invalid_client_metadata");
      assertThat(error.has("client_id")).isFalse();
    }
    // a confidential registration gets a secret, and the token endpoint then requires it
    HttpResponse<String> conf = b.postJson(base + "/oauth/register", "{\"redirect_uris\":[\"cursor://cb\"]}");
    assertThat(conf.statusCode()).isEqualTo(201);
    JsonNode reg = OAuthBrowser.JSON.readTree(conf.body());
    assertThat(reg.path("token_endpoint_auth_method").asText()).isEqualTo("client_secret_basic");
    assertThat(reg.path("client_secret").asText()).hasSizeGreaterThan(30);
    HttpResponse<String> noSecret = b.postForm(base + "/oauth/token", Map.of("grant_type", "authorization_code",
        "client_id", reg.path("client_id").asText(), "code", "x"), null);
    assertThat(noSecret.statusCode()).isEqualTo(401);
  }

  @Test
  void metadataDocumentOnAnInternalAddressIsNotFetched() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    for (String id : List.of("http://127.0.0.1:9/client.json", "http://169.254.169.254/latest/meta-data/x",
        "https://10.0.0.1/client.json")) {
      HttpResponse<String> r = b.get(b.authorizeUrl(id, REDIRECT, OAuthBrowser.challenge(OAuthBrowser.verifier()),
          "s", "mcp"));
      assertThat(r.statusCode()).as(id).isEqualTo(400);
      assertThat(r.body()).contains("internal address");
    }
  }

  @Test
  void metadataDocumentRedirectingToAnInternalAddressIsNotFollowed() throws Exception {
    AtomicInteger internalHits = new AtomicInteger();
    HttpServer documents = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    int port = documents.getAddress().getPort();
    documents.createContext("/internal/client.json", ex -> {
      internalHits.incrementAndGet();
      ex.sendResponseHeaders(500, -1);
      ex.close();
    });
    // reached as "localhost", which the configuration allows; the redirect names 127.0.0.1
    documents.createContext("/clients/moved.json", ex -> {
      ex.getResponseHeaders().add("location", "http://127.0.0.1:" + port + "/internal/client.json");
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    documents.start();
    try {
      OAuthBrowser b = new OAuthBrowser(base);
      HttpResponse<String> r = b.get(b.authorizeUrl("http://localhost:" + port + "/clients/moved.json", REDIRECT,
          OAuthBrowser.challenge(OAuthBrowser.verifier()), "s", "mcp"));
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("could not be fetched").contains("redirects to http://127.0.0.1:" + port
          + "/internal/client.json").contains("not followed");
      assertThat(internalHits.get()).isZero();
    } finally {
      documents.stop(0);
    }
  }

  @Test
  void unknownRefreshTokensAndGrantTypesAreRefused() throws Exception {
    OAuthBrowser b = new OAuthBrowser(base);
    String client = b.register(REDIRECT, "Misc");
    assertThat(b.refresh(client, "made-up", 400).path("error").asText()).isEqualTo("invalid_grant");
    assertThat(b.token(Map.of("grant_type", "password", "client_id", client, "username", "a", "password", "b"), 400)
        .path("error").asText()).isEqualTo("unsupported_grant_type");
    assertThat(b.token(Map.of("grant_type", "client_credentials", "client_id", client), 400)
        .path("error").asText()).isEqualTo("unauthorized_client");
  }
}
