package dev.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted, browserless user agent and OAuth client for the tests: a cookie jar, redirects
 * followed by hand, the consent form read from the HTML and submitted.
 */
final class OAuthBrowser {
  static final ObjectMapper JSON = new ObjectMapper();
  /** The gateway's cookies (a hand-kept jar: only the gateway sets cookies in these flows). */
  final Map<String, String> cookies = new LinkedHashMap<>();
  final HttpClient http = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
  final String base;

  OAuthBrowser(String base) {
    this.base = base;
  }

  /** A consent page reached after the upstream login. */
  record Consent(HttpResponse<String> page, String consentId, String csrf) {}

  HttpResponse<String> get(String url) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET(), url);
  }

  private HttpResponse<String> send(HttpRequest.Builder b, String url) throws Exception {
    if (url.startsWith(base) && !cookies.isEmpty()) {
      StringBuilder c = new StringBuilder();
      cookies.forEach((k, v) -> c.append(c.length() == 0 ? "" : "; ").append(k).append('=').append(v));
      b.header("cookie", c.toString());
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (url.startsWith(base)) {
      for (String sc : r.headers().allValues("set-cookie")) {
        String pair = sc.split(";", 2)[0];
        int eq = pair.indexOf('=');
        if (sc.contains("Max-Age=0")) {
          cookies.remove(pair.substring(0, eq));
        } else {
          cookies.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
      }
    }
    return r;
  }

  HttpResponse<String> postForm(String url, Map<String, String> form, String basicAuth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("content-type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(form)));
    if (basicAuth != null) {
      b.header("authorization", "Basic " + Base64.getEncoder().encodeToString(basicAuth.getBytes(
          StandardCharsets.UTF_8)));
    }
    return send(b, url);
  }

  HttpResponse<String> postJson(String url, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String form(Map<String, String> form) {
    StringBuilder sb = new StringBuilder();
    form.forEach((k, v) -> {
      if (v != null) {
        sb.append(sb.length() == 0 ? "" : "&").append(enc(k)).append('=').append(enc(v));
      }
    });
    return sb.toString();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static String location(HttpResponse<String> r) {
    assertThat(r.statusCode()).as("expected a redirect, got: " + r.body()).isEqualTo(302);
    return r.headers().firstValue("location").orElseThrow();
  }

  static Map<String, String> query(String url) {
    Map<String, String> out = new LinkedHashMap<>();
    String q = URI.create(url).getRawQuery();
    if (q != null) {
      for (String p : q.split("&")) {
        int eq = p.indexOf('=');
        out.put(URLDecoder.decode(p.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  static String challenge(String verifier) throws Exception {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
        .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
  }

  static String verifier() {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** RFC 7591 registration of a public client; returns its client_id. */
  String register(String redirectUri, String name) throws Exception {
    HttpResponse<String> r = postJson(base + "/oauth/register", "{\"redirect_uris\":[\"" + redirectUri
        + "\"],\"client_name\":\"" + name + "\",\"token_endpoint_auth_method\":\"none\","
        + "\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"response_types\":[\"code\"]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body()).path("client_id").asText();
  }

  /** The authorization request URL. */
  String authorizeUrl(String clientId, String redirectUri, String challenge, String state, String scope) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("response_type", "code");
    q.put("client_id", clientId);
    q.put("redirect_uri", redirectUri);
    q.put("code_challenge", challenge);
    q.put("code_challenge_method", "S256");
    q.put("state", state);
    q.put("scope", scope);
    q.put("resource", base + "/mcp");
    return base + "/oauth/authorize?" + form(q);
  }

  /** Follows the authorization request through the upstream IdP back to the gateway's callback. */
  String loginAtIdp(String authorizeUrl) throws Exception {
    String idpAuthorize = location(get(authorizeUrl));
    String callback = location(get(idpAuthorize)); // the mock IdP logs the user in without a form
    assertThat(callback).startsWith(base + "/oauth/callback");
    return callback;
  }

  Consent consentPage(String callbackUrl) throws Exception {
    HttpResponse<String> page = get(callbackUrl);
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    return new Consent(page, hidden(page.body(), "consent"), hidden(page.body(), "csrf"));
  }

  static String hidden(String html, String name) {
    Matcher m = Pattern.compile("name=\"" + name + "\" value=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).as("hidden field " + name).isTrue();
    return m.group(1);
  }

  HttpResponse<String> submitConsent(Consent c, String decision) throws Exception {
    return postForm(base + "/oauth/consent", Map.of("consent", c.consentId(), "csrf", c.csrf(), "decision",
        decision), null);
  }

  /** The whole front channel: returns the redirect back to the client (code, state, iss). */
  Map<String, String> authorize(String clientId, String redirectUri, String challenge, String state)
      throws Exception {
    Consent c = consentPage(loginAtIdp(authorizeUrl(clientId, redirectUri, challenge, state, "mcp")));
    String back = location(submitConsent(c, "approve"));
    assertThat(back).startsWith(redirectUri);
    return query(back);
  }

  JsonNode token(Map<String, String> form, int status) throws Exception {
    HttpResponse<String> r = postForm(base + "/oauth/token", form, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("cache-control")).contains("no-store");
    return JSON.readTree(r.body());
  }

  JsonNode exchange(String clientId, String code, String redirectUri, String verifier, int status) throws Exception {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("grant_type", "authorization_code");
    f.put("client_id", clientId);
    f.put("code", code);
    f.put("redirect_uri", redirectUri);
    f.put("code_verifier", verifier);
    return token(f, status);
  }

  JsonNode refresh(String clientId, String refreshToken, int status) throws Exception {
    return token(Map.of("grant_type", "refresh_token", "client_id", clientId, "refresh_token", refreshToken),
        status);
  }

  /** An MCP initialize on /mcp with a bearer token; returns the HTTP status. */
  int mcpInitialize(String token) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/mcp")).timeout(Duration.ofSeconds(20))
        .header("accept", "application/json, text/event-stream").header("content-type", "application/json")
        .header("authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
            + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
            + "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}")).build();
    return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).statusCode();
  }
}
