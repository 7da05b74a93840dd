package dev.portcullis.ui;

import static dev.portcullis.ui.ConsoleClient.form;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's sign-in, sessions, CSRF protection and roles, over plain HTTP as an attacker would use it. */
class ConsoleSecurityTest {
  static final String ADMIN = "console-admin-key";
  static final String READER = "console-read-only-key";
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    var dir = Files.createTempDirectory("portcullis-console-sec");
    gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        store:
          url: jdbc:sqlite:%s/p.db
        admin:
          key: %s
          read_only_keys: [%s]
          console: { pages_per_second: 1000 }   # these tests make keys in bursts; the budget is ConsoleReadingsTest's
        """.formatted(dir, ADMIN, READER));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  @Test
  void theSessionCookieIsHttpOnlyStrictAndScopedToTheConsole() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    HttpResponse<String> form = c.get("/ui/login");
    assertThat(form.statusCode()).isEqualTo(200);
    String cookie = ConsoleClient.setCookie(form).orElseThrow();
    assertThat(cookie).containsIgnoringCase("HttpOnly").contains("SameSite=Strict").contains("Path=/ui").doesNotContain("Secure");
    assertThat(c.cookie).matches("[A-Za-z0-9_-]{43}"); // 256 random bits
    assertThat(form.headers().firstValue("content-security-policy").orElseThrow()).contains("frame-ancestors 'none'");
    assertThat(form.headers().firstValue("cache-control").orElseThrow()).isEqualTo("no-store");

    HttpResponse<String> signedIn = c.post("/ui/login", form("csrf", ConsoleClient.csrf(form.body()), "key", ADMIN));
    assertThat(ConsoleClient.setCookie(signedIn).orElseThrow()).containsIgnoringCase("HttpOnly").contains("SameSite=Strict");
  }

  @Test
  void behindAnHttpsProxyTheCookieIsSecure() throws Exception {
    var r = gw.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gw.baseUrl() + "/ui/login"))
        .header("x-forwarded-proto", "https").GET().build());
    assertThat(ConsoleClient.setCookie(r).orElseThrow()).contains("Secure");
  }

  @Test
  void signInGivesANewSessionIdAndTheOldOneStaysSignedOut() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    String csrf = ConsoleClient.csrf(c.get("/ui/login").body());
    String planted = c.cookie;
    HttpResponse<String> r = c.post("/ui/login", form("csrf", csrf, "key", ADMIN));
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("location")).hasValue("/ui/overview");
    assertThat(c.cookie).isNotNull().isNotEqualTo(planted);
    assertThat(c.get("/ui/keys").statusCode()).isEqualTo(200);

    ConsoleClient attacker = new ConsoleClient(gw.baseUrl());
    attacker.cookie = planted; // the id fixed before sign-in does not open the console
    HttpResponse<String> refused = attacker.get("/ui/keys");
    assertThat(refused.statusCode()).isEqualTo(303);
    assertThat(refused.headers().firstValue("location")).hasValue("/ui/login");
  }

  @Test
  void aWrongOrMissingKeyIsRefused() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    HttpResponse<String> wrong = c.signIn("not-the-admin-key");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("Incorrect key.");
    assertThat(c.get("/ui/keys").headers().firstValue("location")).hasValue("/ui/login");
    // the gateway's client key is not an admin key
    assertThat(new ConsoleClient(gw.baseUrl()).signIn(GatewayHarness.KEY).statusCode()).isEqualTo(401);
    assertThat(new ConsoleClient(gw.baseUrl()).signIn("").statusCode()).isEqualTo(401);
  }

  @Test
  void signInWithoutTheFormsCsrfTokenIsRefused() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    c.get("/ui/login");
    HttpResponse<String> r = c.post("/ui/login", form("key", ADMIN));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("Form expired");
    // nor without the session the token belongs to
    ConsoleClient other = new ConsoleClient(gw.baseUrl());
    String csrf = ConsoleClient.csrf(other.get("/ui/login").body());
    other.cookie = null;
    assertThat(other.post("/ui/login", form("csrf", csrf, "key", ADMIN)).statusCode()).isEqualTo(403);
  }

  @Test
  void aChangeWithoutOrWithAWrongCsrfTokenIsRefusedAndChangesNothing() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    c.signIn(ADMIN);
    HttpResponse<String> none = c.post("/ui/keys", form("name", "csrf-none"));
    assertThat(none.statusCode()).isEqualTo(403);
    HttpResponse<String> wrong = c.post("/ui/keys", form("csrf", "A".repeat(43), "name", "csrf-wrong"));
    assertThat(wrong.statusCode()).isEqualTo(403);
    // a token from another session is wrong too
    ConsoleClient other = new ConsoleClient(gw.baseUrl());
    other.signIn(ADMIN);
    String othersToken = ConsoleClient.csrf(other.get("/ui/keys").body());
    assertThat(c.post("/ui/keys", form("csrf", othersToken, "name", "csrf-other")).statusCode()).isEqualTo(403);

    String keys = c.get("/ui/keys").body();
    assertThat(keys).doesNotContain("csrf-none").doesNotContain("csrf-wrong").doesNotContain("csrf-other");
    HttpResponse<String> ok = c.post("/ui/keys", form("csrf", ConsoleClient.csrf(keys), "name", "csrf-ok"));
    assertThat(ok.statusCode()).isEqualTo(201);
    assertThat(ok.body()).contains("id=\"new-secret\"").contains("csrf-ok");
  }

  @Test
  void signOutEndsTheSessionOnTheServer() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    c.signIn(ADMIN);
    String id = c.cookie;
    String csrf = ConsoleClient.csrf(c.get("/ui/overview").body());
    HttpResponse<String> out = c.post("/ui/logout", form("csrf", csrf));
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(ConsoleClient.setCookie(out).orElseThrow()).contains("Max-Age=0");
    c.cookie = id; // a copy of the cookie kept from before is worth nothing now
    assertThat(c.get("/ui/keys").headers().firstValue("location")).hasValue("/ui/login");
  }

  @Test
  void aReadOnlyKeySeesButCannotChange() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    assertThat(c.signIn(READER).statusCode()).isEqualTo(303);
    String page = c.get("/ui/keys").body();
    assertThat(page).contains("read-only").doesNotContain("Create a key");
    HttpResponse<String> r = c.post("/ui/keys", form("csrf", ConsoleClient.csrf(page), "name", "by-reader"));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("read-only");
    assertThat(c.get("/ui/keys").body()).doesNotContain("by-reader");
  }

  @Test
  void whatOperatorsTypeIsShownAsTextNeverAsMarkup() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    c.signIn(ADMIN);
    String csrf = ConsoleClient.csrf(c.get("/ui/keys").body());
    HttpResponse<String> r = c.post("/ui/keys", form("csrf", csrf, "name", "<script>alert(1)</script>",
        "owner", "\"><img src=x>"));
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.body()).doesNotContain("<script>alert(1)</script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .doesNotContain("\"><img src=x>");
  }

  @Test
  void badInputIsAnsweredWithTheFormAndAClearMessage() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    c.signIn(ADMIN);
    String csrf = ConsoleClient.csrf(c.get("/ui/keys").body());
    HttpResponse<String> r = c.post("/ui/keys", form("csrf", csrf, "name", "bad-rpm", "rpm", "1.5"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("rpm: must be a positive whole number").contains("Create a key");
    assertThat(c.post("/ui/keys/no-such-key/disable", form("csrf", csrf)).statusCode()).isEqualTo(404);
    assertThat(c.get("/ui/keys?page=-5&q=%25").statusCode()).isEqualTo(200);
    assertThat(c.get("/ui/nothing-here").statusCode()).isEqualTo(404);
    HttpResponse<String> cursor = c.get("/ui/audit?cursor=yesterday");
    assertThat(cursor.statusCode()).isEqualTo(400);
    assertThat(cursor.body()).contains("cursor: not a number");
  }

  @Test
  void keysArePagedOnTheServerAndSearchable() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    c.signIn(ADMIN);
    String csrf = ConsoleClient.csrf(c.get("/ui/keys").body());
    for (int i = 0; i < KeysPage.PAGE_SIZE + 3; i++) {
      assertThat(c.post("/ui/keys", form("csrf", csrf, "name", "paged-" + i, "owner", "pager")).statusCode())
          .isEqualTo(201);
    }
    String first = c.get("/ui/keys?q=paged-").body();
    assertThat(first).contains((KeysPage.PAGE_SIZE + 3) + " keys, page 1 of 2").contains("rel=\"next\"");
    assertThat(rows(first)).isEqualTo(KeysPage.PAGE_SIZE);
    String second = c.get("/ui/keys?q=paged-&page=2").body();
    assertThat(rows(second)).isEqualTo(3);
    // newest first: the first three made are on the second page
    assertThat(second).contains("data-key=\"paged-0\"").doesNotContain("data-key=\"paged-3\"");
    // % and _ are searched literally
    assertThat(c.get("/ui/keys?q=paged%25").body()).contains("0 keys");
  }

  private static int rows(String page) {
    return page.split("<tr data-key=", -1).length - 1;
  }
}
