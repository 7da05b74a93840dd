package dev.portcullis.identity.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.identity.MockIdp;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream credentials end to end: static secrets (a value, a file that changes), OAuth client
 * credentials, per-user OAuth connections (browserless: connect link, confirmation page, the
 * upstream app's authorization at mock-oauth2-server, callback, refresh) for an MCP server and a
 * REST API, and RFC 8693 token exchange at mock-oauth2-server. After every test, no request that
 * reached an upstream carries the caller's gateway key or access token.
 */
class UpstreamCredentialsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5)).build();
  static MockOAuth2Server idp;
  static RecordingUpstream rec;
  static GatewayHarness gw;
  static Path dir;
  static Path tokenFile;
  static String base;
  static String alice;
  static String bob;
  static TokenCipher cipher;

  @BeforeAll
  static void start() throws Exception {
    idp = MockIdp.start();
    rec = new RecordingUpstream();
    rec.tokenSeconds = 3;
    dir = Files.createTempDirectory("portcullis-cred");
    tokenFile = dir.resolve("upstream-token");
    Files.writeString(tokenFile, "file-token-1\n");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    cipher = new TokenCipher(Base64.getEncoder().encodeToString(key));
    String app = idp.issuerUrl("upstreamapp").toString();
    gw = GatewayHarness.start("""
        store:
          url: jdbc:sqlite:%1$s/gw.db
        identity:
          issuers:
            - issuer: %2$s
              audiences: [portcullis-gw]
          fetch: { allow_private_networks: true, allow_http: true }
          secrets_key: %3$s
        mcp:
          pinning: off
          servers:
            static:
              type: http
              url: %4$s
              auth: { type: static, value: "Bearer s3cret-static" }
            filed:
              type: http
              url: %5$s
              headers: { x-extra: kept }
              auth: { type: static, header: X-Api-Token, value: "file:%6$s" }
            cc:
              type: http
              url: %7$s
              auth: { type: oauth_client_credentials, token_url: %8$s, client_id: gw, client_secret: cc-secret,
                      scopes: [read] }
            mine:
              type: http
              url: %9$s
              auth: { type: oauth_user, issuer: %10$s, client_id: gw-app, client_secret: app-secret,
                      scopes: [openid, repo] }
            api:
              type: openapi
              spec: %11$s
              base_url: %12$s
              allow_private_addresses: true
              auth: { type: oauth_user, issuer: %10$s, client_id: gw-app, client_secret: app-secret, scopes: [openid] }
            tx:
              type: http
              url: %13$s
              auth: { type: token_exchange, issuer: %14$s, client_id: gw-exchanger, client_secret: tx-secret,
                      audience: upstream-api }
        """.formatted(dir, idp.issuerUrl("default"), Base64.getEncoder().encodeToString(key),
        rec.url("/mcp/static"), rec.url("/mcp/file"), tokenFile, rec.url("/mcp/cc"), rec.url("/token"),
        rec.url("/mcp/user"), app, rec.url("/openapi.json"), rec.url("/api"), rec.url("/mcp/tx"),
        idp.issuerUrl("exchange")));
    base = gw.baseUrl();
    alice = idp.issueToken("default", "alice", "portcullis-gw", Map.of("email", "alice@example.com"), 3600)
        .serialize();
    bob = idp.issueToken("default", "bob", "portcullis-gw", Map.of("email", "bob@example.com"), 3600).serialize();
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (rec != null) {
      rec.close();
    }
    if (idp != null) {
      idp.shutdown();
    }
  }

  /** DESIGN §4: whatever the credential type, the client's gateway credential never goes upstream. */
  @AfterEach
  void gatewayCredentialsNeverReachedAnUpstream() {
    for (RecordingUpstream.Seen s : rec.seen) {
      for (String v : s.headers().values()) {
        assertThat(v).as("a header sent to %s", s.path()).doesNotContain(GatewayHarness.KEY)
            .doesNotContain(alice).doesNotContain(bob);
      }
    }
  }

  static McpTestClient client(String credential) throws Exception {
    McpTestClient c = new McpTestClient(base + "/mcp", credential);
    c.initialize("2025-06-18");
    return c;
  }

  static String bearer(RecordingUpstream.Seen s) {
    assertThat(s).isNotNull();
    assertThat(s.authorization()).startsWith("Bearer ");
    return s.authorization().substring(7);
  }

  static JWTClaimsSet claims(String jwt) throws Exception {
    return SignedJWT.parse(jwt).getJWTClaimsSet();
  }

  @Test
  void staticSecretsFromConfigurationAndFromAFileThatChanges() throws Exception {
    McpTestClient c = client(GatewayHarness.KEY);
    assertThat(McpTestClient.text(c.callTool("static__echo", "{\"text\":\"hi\"}"))).isEqualTo("hi");
    assertThat(rec.lastCall("/mcp/static").authorization()).isEqualTo("Bearer s3cret-static");

    assertThat(McpTestClient.text(c.callTool("filed__echo", "{\"text\":\"hi\"}"))).isEqualTo("hi");
    RecordingUpstream.Seen s = rec.lastCall("/mcp/file");
    assertThat(s.headers().get("x-api-token")).isEqualTo("file-token-1");
    assertThat(s.headers().get("x-extra")).isEqualTo("kept"); // static headers: still sent
    assertThat(s.authorization()).isNull(); // and the client's own credential is not

    Files.writeString(tokenFile, "file-token-2\n"); // a rotated secret
    Files.setLastModifiedTime(tokenFile, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    Thread.sleep(1_100);
    assertThat(McpTestClient.text(c.callTool("filed__echo", "{\"text\":\"again\"}"))).isEqualTo("again");
    assertThat(rec.lastCall("/mcp/file").headers().get("x-api-token")).isEqualTo("file-token-2");
  }

  @Test
  void clientCredentialsTokenIsFetchedOnceReusedAndFetchedAgainAfterExpiryOrA401() throws Exception {
    // Long-lived tokens first, so "reused" does not depend on how fast this machine runs; any token
    // cached before this test (discovery, other tests) is revoked, so the first call starts fresh.
    rec.tokenSeconds = 3600;
    for (int i = 1; i <= rec.tokensIssued.get(); i++) {
      rec.rejected.add("cc-" + i);
    }
    McpTestClient c = client(GatewayHarness.KEY);
    assertThat(McpTestClient.text(c.callTool("cc__echo", "{\"text\":\"1\"}"))).isEqualTo("1");
    int issued = rec.tokensIssued.get();
    assertThat(McpTestClient.text(c.callTool("cc__echo", "{\"text\":\"2\"}"))).isEqualTo("2");
    List<RecordingUpstream.Seen> calls = rec.calls("/mcp/cc");
    String first = bearer(calls.get(calls.size() - 2));
    assertThat(bearer(calls.get(calls.size() - 1))).isEqualTo(first).startsWith("cc-");
    assertThat(rec.tokensIssued.get()).isEqualTo(issued); // reused, not fetched per call
    RecordingUpstream.Seen tokenRequest = rec.seen.stream().filter(x -> x.path().equals("/token")).findFirst()
        .orElseThrow();
    assertThat(tokenRequest.authorization()).isEqualTo("Basic " + Base64.getEncoder().encodeToString(
        "gw:cc-secret".getBytes(StandardCharsets.UTF_8)));

    rec.tokenSeconds = 3;
    rec.rejected.add(first); // revoked early: the upstream answers 401, the gateway fetches once more
    assertThat(McpTestClient.text(c.callTool("cc__echo", "{\"text\":\"3\"}"))).isEqualTo("3");
    String second = bearer(rec.lastCall("/mcp/cc"));
    assertThat(second).isNotEqualTo(first);
    assertThat(rec.tokensIssued.get()).isEqualTo(issued + 1);

    Thread.sleep(2_400); // a 3-second token is used for 2.25 s at most
    assertThat(McpTestClient.text(c.callTool("cc__echo", "{\"text\":\"4\"}"))).isEqualTo("4");
    assertThat(bearer(rec.lastCall("/mcp/cc"))).isNotEqualTo(second);
    assertThat(rec.tokensIssued.get()).isEqualTo(issued + 2);
  }

  /** The connect link a refused call names. */
  static String connectUrl(JsonNode response) {
    JsonNode r = response.path("result");
    assertThat(r.path("isError").asBoolean()).as(response.toString()).isTrue();
    String url = r.path("_meta").path("dev.portcullis/connect_url").asText();
    assertThat(McpTestClient.text(response)).contains(url).contains("connect your account");
    return url;
  }

  static HttpResponse<String> get(String url, String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET();
    if (bearer != null) {
      b.header("authorization", "Bearer " + bearer);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> postForm(String url, String form) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("content-type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  static Map<String, String> query(String url) {
    Map<String, String> q = new LinkedHashMap<>();
    String raw = URI.create(url).getRawQuery();
    for (String p : raw.split("&")) {
      int eq = p.indexOf('=');
      q.put(URLDecoder.decode(p.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return q;
  }

  /** The upstream app's login and answer: mock-oauth2-server redirects at once with a code for this user. */
  static void authorizeAtUpstreamApp(String authorizeUrl, String appSubject, long seconds) throws Exception {
    Map<String, String> q = query(authorizeUrl);
    assertThat(q.get("code_challenge_method")).isEqualTo("S256");
    assertThat(q.get("code_challenge")).matches("[A-Za-z0-9_-]{43}");
    assertThat(q.get("client_id")).isEqualTo("gw-app");
    assertThat(q.get("redirect_uri")).isEqualTo(base + "/connections/callback");
    idp.enqueueCallback(new DefaultOAuth2TokenCallback("upstreamapp", appSubject, JOSEObjectType.JWT.getType(),
        List.of("upstream-app"), Map.of(), seconds));
    HttpResponse<String> login = get(authorizeUrl, null);
    assertThat(login.statusCode()).isEqualTo(302);
    String callback = login.headers().firstValue("location").orElseThrow();
    assertThat(callback).startsWith(base + "/connections/callback?");
    assertThat(query(callback).get("state")).isEqualTo(q.get("state"));
    HttpResponse<String> done = get(callback, null);
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    assertThat(done.body()).contains("is connected");
    assertThat(get(callback, null).statusCode()).isEqualTo(400); // the state is single use
  }

  /** Follows a connect link the way a browser would: the confirmation page, its form, the redirect. */
  static void connectThroughLink(String link, String expectedUser, String appSubject, long seconds) throws Exception {
    HttpResponse<String> page = get(link, null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains(expectedUser).contains("<form method=\"post\"");
    Matcher action = Pattern.compile("action=\"([^\"]+)\"").matcher(page.body());
    Matcher ticket = Pattern.compile("name=\"ticket\" value=\"([^\"]+)\"").matcher(page.body());
    assertThat(action.find() && ticket.find()).isTrue();
    String form = "ticket=" + URLEncoder.encode(ticket.group(1), StandardCharsets.UTF_8);
    HttpResponse<String> go = postForm(base + action.group(1), form);
    assertThat(go.statusCode()).as(go.body()).isEqualTo(302);
    String authorize = go.headers().firstValue("location").orElseThrow();
    assertThat(authorize).startsWith(idp.authorizationEndpointUrl("upstreamapp").toString());
    assertThat(postForm(base + action.group(1), form).statusCode()).isEqualTo(400); // the ticket is single use
    authorizeAtUpstreamApp(authorize, appSubject, seconds);
  }

  @Test
  void perUserConnectionEndToEndForAnMcpServer() throws Exception {
    McpTestClient a = client(alice);
    JsonNode refused = a.callTool("mine__echo", "{\"text\":\"x\"}");
    String link = connectUrl(refused);
    assertThat(link).startsWith(base + "/connections/mine/start?ticket=");
    assertThat(rec.calls("/mcp/user")).isEmpty(); // nothing went upstream for a user without a connection

    connectThroughLink(link, "alice@example.com", "alice-at-app", 3600);
    assertThat(McpTestClient.text(a.callTool("mine__echo", "{\"text\":\"as alice\"}"))).isEqualTo("as alice");
    String aliceUpstream = bearer(rec.lastCall("/mcp/user"));
    assertThat(claims(aliceUpstream).getSubject()).isEqualTo("alice-at-app");
    assertThat(claims(aliceUpstream).getIssuer()).isEqualTo(idp.issuerUrl("upstreamapp").toString());
    String aliceSession = rec.lastCall("/mcp/user").headers().get("mcp-session-id");

    // a second user without a connection is refused with their own link, never served with alice's token
    McpTestClient b = client(bob);
    int before = rec.calls("/mcp/user").size();
    String bobLink = connectUrl(b.callTool("mine__echo", "{\"text\":\"x\"}"));
    assertThat(bobLink).isNotEqualTo(link);
    assertThat(rec.calls("/mcp/user")).hasSize(before);
    HttpResponse<String> page = get(bobLink, null);
    assertThat(page.body()).contains("bob@example.com").doesNotContain("alice");

    // bob connects from an authenticated client (no ticket), with a token that is about to expire
    HttpResponse<String> start = get(base + "/connections/mine/start", bob);
    assertThat(start.statusCode()).isEqualTo(302);
    authorizeAtUpstreamApp(start.headers().firstValue("location").orElseThrow(), "bob-at-app", 30);
    String bobId = "user:bob@" + idp.issuerUrl("default");
    String issuedAtConnect = stored("mine", bobId).path("access_token").asText();
    assertThat(McpTestClient.text(b.callTool("mine__echo", "{\"text\":\"as bob\"}"))).isEqualTo("as bob");
    RecordingUpstream.Seen bobCall = rec.lastCall("/mcp/user");
    assertThat(claims(bearer(bobCall)).getSubject()).isEqualTo("bob-at-app");
    assertThat(bobCall.headers().get("mcp-session-id")).isNotEqualTo(aliceSession); // one upstream session per user
    // the 30-second token was refreshed before use (within a minute of expiry) and the new one stored
    assertThat(bearer(bobCall)).isNotEqualTo(issuedAtConnect);
    assertThat(stored("mine", bobId).path("access_token").asText()).isEqualTo(bearer(bobCall));

    assertThat(McpTestClient.text(a.callTool("mine__echo", "{\"text\":\"alice again\"}"))).isEqualTo("alice again");
    RecordingUpstream.Seen again = rec.lastCall("/mcp/user");
    assertThat(claims(bearer(again)).getSubject()).isEqualTo("alice-at-app");
    assertThat(again.headers().get("mcp-session-id")).isEqualTo(aliceSession);

    // the caller's view of their connections
    JsonNode mine = JSON.readTree(get(base + "/connections", alice).body());
    Map<String, JsonNode> byUpstream = new LinkedHashMap<>();
    mine.path("connections").forEach(n -> byUpstream.put(n.path("upstream").asText(), n));
    assertThat(byUpstream.get("mine").path("connected").asBoolean()).isTrue();
    assertThat(byUpstream.get("mine").path("refreshable").asBoolean()).isTrue();
    assertThat(byUpstream.get("api").path("connected").asBoolean()).isFalse();
    assertThat(byUpstream.get("api").path("connect_url").asText()).startsWith(base + "/connections/api/start?");
    assertThat(get(base + "/connections", null).statusCode()).isEqualTo(401);

    // at rest the tokens are sealed: no token in clear, one record per user
    List<String> rows = new ArrayList<>();
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("gw.db"));
        ResultSet rs = db.createStatement().executeQuery("SELECT user_id, data FROM upstream_connections "
            + "WHERE upstream = 'mine' ORDER BY user_id")) {
      while (rs.next()) {
        rows.add(rs.getString(1));
        String data = rs.getString(2);
        assertThat(data).startsWith("v1:").doesNotContain(aliceUpstream).doesNotContain(bearer(bobCall))
            .doesNotContain("access_token").doesNotContain("refresh");
      }
    }
    assertThat(rows).containsExactly("user:alice@" + idp.issuerUrl("default"), "user:bob@" + idp.issuerUrl("default"));

    // bob disconnects: refused again
    HttpResponse<String> del = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/connections/mine"))
        .header("authorization", "Bearer " + bob).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(del.statusCode()).isEqualTo(204);
    connectUrl(b.callTool("mine__echo", "{\"text\":\"x\"}"));
    assertThat(McpTestClient.text(a.callTool("mine__echo", "{\"text\":\"still\"}"))).isEqualTo("still");
  }

  @Test
  void perUserConnectionForARestApi() throws Exception {
    McpTestClient a = client(alice);
    connectThroughLink(connectUrl(a.callTool("api__whoami", "{}")), "alice@example.com", "alice-api", 3600);
    JsonNode r = a.callTool("api__whoami", "{}");
    assertThat(r.path("result").path("isError").asBoolean()).as(r.toString()).isFalse();
    String upstream = bearer(rec.lastCall("/api/whoami"));
    assertThat(claims(upstream).getSubject()).isEqualTo("alice-api");
    assertThat(McpTestClient.text(r)).contains(upstream);

    McpTestClient b = client(bob);
    int before = rec.calls("/api/whoami").size();
    connectUrl(b.callTool("api__whoami", "{}"));
    assertThat(rec.calls("/api/whoami")).hasSize(before);
  }

  @Test
  void tokenExchangeTradesTheCallersTokenForOneMeantForTheUpstream() throws Exception {
    McpTestClient a = client(alice);
    assertThat(McpTestClient.text(a.callTool("tx__echo", "{\"text\":\"ex\"}"))).isEqualTo("ex");
    String exchanged = bearer(rec.lastCall("/mcp/tx"));
    JWTClaimsSet c = claims(exchanged);
    assertThat(c.getIssuer()).isEqualTo(idp.issuerUrl("exchange").toString());
    assertThat(c.getSubject()).isEqualTo("alice");
    assertThat(c.getAudience()).contains("upstream-api");
    assertThat(McpTestClient.text(a.callTool("tx__echo", "{\"text\":\"ex2\"}"))).isEqualTo("ex2");
    assertThat(bearer(rec.lastCall("/mcp/tx"))).isEqualTo(exchanged); // cached for this user

    McpTestClient b = client(bob);
    assertThat(McpTestClient.text(b.callTool("tx__echo", "{\"text\":\"bx\"}"))).isEqualTo("bx");
    assertThat(claims(bearer(rec.lastCall("/mcp/tx"))).getSubject()).isEqualTo("bob");

    McpTestClient k = client(GatewayHarness.KEY); // a gateway key has no token to exchange
    JsonNode refused = k.callTool("tx__echo", "{\"text\":\"k\"}");
    assertThat(refused.path("result").path("isError").asBoolean()).isTrue();
    assertThat(McpTestClient.text(refused)).contains("cannot be exchanged");
  }

  /** A stored connection record, decrypted with the gateway's key (only the test holds it). */
  static JsonNode stored(String upstream, String userId) throws Exception {
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("gw.db"));
        var ps = db.prepareStatement("SELECT data FROM upstream_connections WHERE upstream = ? AND user_id = ?")) {
      ps.setString(1, upstream);
      ps.setString(2, userId);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return JSON.readTree(cipher.decrypt(upstream, userId, rs.getString(1)));
      }
    }
  }
}
