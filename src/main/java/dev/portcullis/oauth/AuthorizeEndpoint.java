package dev.portcullis.oauth;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.portcullis.oauth.ClientRegistry.ClientProblem;
import dev.portcullis.oauth.UpstreamIdp.LoginFailed;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The front channel: {@code GET /oauth/authorize} checks the client, its exact redirect URI, PKCE
 * (S256 only), scopes and resource, then sends the browser to the upstream IdP with its own PKCE,
 * state and nonce (and a browser-binding cookie); {@code GET /oauth/callback} takes the IdP's
 * answer once (single-use state), validates the ID token and shows the consent page (CSRF token
 * in a SameSite=Strict HttpOnly cookie and in the form); {@code POST /oauth/consent} issues a
 * single-use, 60-second authorization code. Answers carry {@code iss} (RFC 9207). Until the
 * client and redirect URI are known good, errors are shown as a page, never redirected.
 */
final class AuthorizeEndpoint {
  private static final String LOGIN = "login";
  private static final String CONSENT = "consent";
  private static final long TXN_MS = 10 * 60_000L;
  private static final long CODE_MS = 60_000L;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Txn(String clientId, String redirectUri, String state, String codeChallenge, String scope, String resource,
      String verifier, String nonce, String browser, String subject, Map<String, Object> claims, String csrf,
      long authTime) {}

  private final ClientRegistry clients;
  private final UpstreamIdp idp;
  private final OAuthStore store;
  private final Supplier<String> issuer;
  private final Predicate<String> resources;
  private final List<String> scopes;

  /**
   * @param resources which RFC 8707 resource values name this gateway
   * @param scopes the scopes clients may ask for
   */
  AuthorizeEndpoint(ClientRegistry clients, UpstreamIdp idp, OAuthStore store, Supplier<String> issuer,
      Predicate<String> resources, List<String> scopes) {
    this.clients = clients;
    this.idp = idp;
    this.store = store;
    this.issuer = issuer;
    this.resources = resources;
    this.scopes = scopes;
  }

  private String callbackUrl() {
    return issuer.get() + "/oauth/callback";
  }

  private boolean secure() {
    return issuer.get().startsWith("https://");
  }

  private static Reply page(int status, String title, String message) {
    return Reply.html(status, ConsentPage.error(title, message));
  }

  /** A redirect back to the client with an error (only once client and redirect URI are trusted). */
  private Reply toClient(String redirectUri, Map<String, String> params, String state) {
    Map<String, String> q = new LinkedHashMap<>(params);
    q.put("state", state);
    q.put("iss", issuer.get());
    return Reply.redirect(Reply.withQuery(redirectUri, q));
  }

  private Reply errorToClient(String redirectUri, String error, String description, String state) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("error", error);
    q.put("error_description", description);
    return toClient(redirectUri, q, state);
  }

  Reply authorize(OAuthRequest r) {
    String dup = r.repeated("client_id", "redirect_uri", "response_type", "state", "scope", "code_challenge",
        "code_challenge_method");
    if (dup != null) {
      return page(400, "Invalid request", "The parameter '" + dup + "' was sent more than once.");
    }
    OAuthClient client;
    try {
      client = clients.find(r.param("client_id"));
    } catch (ClientProblem e) {
      return page(400, "Unknown client", e.getMessage());
    }
    String redirect = r.param("redirect_uri");
    if (redirect == null && client.redirectUris().size() == 1) {
      redirect = client.redirectUris().get(0);
    }
    if (!client.allowsRedirect(redirect)) {
      return page(400, "Invalid redirect URI", "The redirect_uri does not exactly match one registered by this "
          + "client, so the answer will not be sent there.");
    }
    String state = r.param("state");
    if (!"code".equals(r.param("response_type"))) {
      return errorToClient(redirect, "unsupported_response_type", "only response_type=code is supported", state);
    }
    if (!client.grantTypes().contains("authorization_code")) {
      return errorToClient(redirect, "unauthorized_client", "this client may not use the authorization code grant",
          state);
    }
    String challenge = r.param("code_challenge");
    if (challenge == null) {
      return errorToClient(redirect, "invalid_request", "PKCE is required: send code_challenge (S256)", state);
    }
    if (!"S256".equals(r.param("code_challenge_method"))) {
      return errorToClient(redirect, "invalid_request", "code_challenge_method must be S256", state);
    }
    if (!challenge.matches("[A-Za-z0-9_-]{43}")) {
      return errorToClient(redirect, "invalid_request", "code_challenge must be a base64url SHA-256 value", state);
    }
    List<String> res = r.params().getOrDefault("resource", List.of());
    if (res.size() > 1) {
      return errorToClient(redirect, "invalid_target", "ask for one resource at a time", state);
    }
    String resource = res.isEmpty() ? issuer.get() : res.get(0);
    if (!resources.test(resource)) {
      return errorToClient(redirect, "invalid_target", "the resource is not served by this gateway", state);
    }
    String scope;
    try {
      scope = scopes(r.param("scope"), client);
    } catch (IllegalArgumentException e) {
      return errorToClient(redirect, "invalid_scope", e.getMessage(), state);
    }
    String upstreamState = Secrets.token();
    String browser = Secrets.token();
    String verifier = Secrets.random(48);
    String nonce = Secrets.token();
    Txn t = new Txn(client.clientId(), redirect, state, challenge, scope, resource, verifier, nonce,
        Secrets.sha256(browser), null, null, null, 0);
    String url;
    try {
      url = idp.authorizationUrl(callbackUrl(), upstreamState, nonce, Secrets.s256(verifier), resource);
    } catch (LoginFailed e) {
      return errorToClient(redirect, "temporarily_unavailable", e.getMessage(), state);
    }
    store.put(LOGIN, Secrets.sha256(upstreamState), Grant.write(t), System.currentTimeMillis() + TXN_MS);
    return Reply.redirect(url).cookie(cookie(loginCookie(upstreamState), browser, "/oauth", "Lax",
        TXN_MS / 1000));
  }

  /** The requested scopes, each one allowed (default: the client's registered scopes, else all). */
  private String scopes(String requested, OAuthClient client) {
    Set<String> out = new LinkedHashSet<>();
    String ask = requested != null && !requested.isBlank() ? requested : client.scope();
    if (ask == null || ask.isBlank()) {
      out.addAll(scopes);
    } else {
      for (String s : ask.trim().split("\\s+")) {
        if (!scopes.contains(s)) {
          if (requested == null) {
            continue; // a registered scope this server does not know: ignore it
          }
          throw new IllegalArgumentException("unknown scope '" + s + "'");
        }
        out.add(s);
      }
    }
    return String.join(" ", out);
  }

  Reply callback(OAuthRequest r) {
    String upstreamState = r.param("state");
    if (upstreamState == null || r.repeated("state", "code") != null) {
      return page(400, "Invalid login answer", "The identity provider's answer has no usable state.");
    }
    OAuthStore.Item item = store.consume(LOGIN, Secrets.sha256(upstreamState));
    if (item == null || item.consumed()) {
      return page(400, "Login expired", "This login answer is unknown, expired or was already used. "
          + "Start again from your application.");
    }
    Txn t = Grant.read(item.data(), Txn.class);
    String clear = cookie(loginCookie(upstreamState), "", "/oauth", "Lax", 0);
    String browser = r.cookie(loginCookie(upstreamState));
    if (browser == null || !Secrets.same(Secrets.sha256(browser), t.browser())) {
      return page(403, "Login not started here", "This login was not started in this browser.").cookie(clear);
    }
    try {
      idp.checkResponseIssuer(r.param("iss"));
    } catch (LoginFailed e) {
      return errorToClient(t.redirectUri(), "access_denied", e.getMessage(), t.state()).cookie(clear);
    }
    if (r.param("error") != null || r.param("code") == null) {
      return errorToClient(t.redirectUri(), "access_denied", "the identity provider did not log the user in",
          t.state()).cookie(clear);
    }
    UpstreamIdp.Identity who;
    OAuthClient client;
    try {
      who = idp.exchange(r.param("code"), t.verifier(), callbackUrl(), t.nonce());
      client = clients.find(t.clientId());
    } catch (LoginFailed | ClientProblem e) {
      return errorToClient(t.redirectUri(), "access_denied", e.getMessage(), t.state()).cookie(clear);
    }
    String consentId = Secrets.token();
    String csrf = Secrets.token();
    Txn c = new Txn(t.clientId(), t.redirectUri(), t.state(), t.codeChallenge(), t.scope(), t.resource(), null,
        null, null, who.subject(), who.claims(), Secrets.sha256(csrf), System.currentTimeMillis() / 1000);
    store.put(CONSENT, Secrets.sha256(consentId), Grant.write(c), System.currentTimeMillis() + TXN_MS);
    return Reply.html(200, ConsentPage.render(client, t.redirectUri(), t.scope(), t.resource(), who.claims(),
        who.subject(), consentId, csrf)).cookie(clear)
        .cookie(cookie(csrfCookie(consentId), csrf, "/oauth", "Strict", TXN_MS / 1000));
  }

  Reply consent(OAuthRequest r) {
    String consentId = r.param("consent");
    String csrf = r.param("csrf");
    if (consentId == null || csrf == null || r.repeated("consent", "csrf", "decision") != null) {
      return page(400, "Invalid request", "The consent form is incomplete.");
    }
    OAuthStore.Item item = store.consume(CONSENT, Secrets.sha256(consentId));
    String clear = cookie(csrfCookie(consentId), "", "/oauth", "Strict", 0);
    if (item == null || item.consumed()) {
      return page(400, "Consent expired", "This consent form is unknown, expired or was already used.")
          .cookie(clear);
    }
    Txn t = Grant.read(item.data(), Txn.class);
    String cookie = r.cookie(csrfCookie(consentId));
    if (cookie == null || !Secrets.same(cookie, csrf) || !Secrets.same(Secrets.sha256(csrf), t.csrf())) {
      return page(403, "Request refused", "The consent form did not come from this browser session (CSRF check "
          + "failed). Start again from your application.").cookie(clear);
    }
    if (!"approve".equals(r.param("decision"))) {
      return errorToClient(t.redirectUri(), "access_denied", "the user denied the request", t.state())
          .cookie(clear);
    }
    String code = Secrets.token();
    Grant g = new Grant(t.clientId(), t.redirectUri(), t.codeChallenge(), t.scope(), t.resource(),
        Secrets.random(16), t.subject(), t.claims(), t.authTime());
    store.put(Tokens.CODE, Secrets.sha256(code), g.json(), System.currentTimeMillis() + CODE_MS);
    Map<String, String> q = new LinkedHashMap<>();
    q.put("code", code);
    return toClient(t.redirectUri(), q, t.state()).cookie(clear);
  }

  static String loginCookie(String upstreamState) {
    return "pc_login_" + Secrets.sha256(upstreamState).substring(0, 16);
  }

  static String csrfCookie(String consentId) {
    return "pc_csrf_" + Secrets.sha256(consentId).substring(0, 16);
  }

  private String cookie(String name, String value, String path, String sameSite, long maxAge) {
    String prefix = java.net.URI.create(issuer.get()).getRawPath();
    prefix = prefix == null ? "" : prefix;
    List<String> parts = new ArrayList<>(List.of(name + "=" + value, "Path=" + prefix + path, "Max-Age=" + maxAge,
        "HttpOnly", "SameSite=" + sameSite));
    if (secure()) {
      parts.add("Secure");
    }
    return String.join("; ", parts);
  }
}
