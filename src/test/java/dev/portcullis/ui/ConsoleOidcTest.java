package dev.portcullis.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.NettyWrapper;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Console sign-in through a real OpenID Connect provider (mock-oauth2-server with its interactive
 * login page), in Debian's Chromium: the IdP runs on {@code localhost} and the gateway on
 * {@code 127.0.0.1}, so the way back from the IdP is a cross-site navigation as in production.
 * Roles come from the groups claim or the verified e-mail address; anyone else is refused; an
 * answer whose state is not the one this browser's sign-in sent is refused.
 */
class ConsoleOidcTest {
  static final String ADMINS_GROUP = "portcullis-admins";
  static final String READER_EMAIL = "Rita@Example.com";
  static MockOAuth2Server idp;
  static GatewayHarness gw;
  static ChromeDriver browser;
  static Path profile;

  @BeforeAll
  static void start() throws Exception {
    assertThat(ConsoleBrowserTest.CHROMIUM).as("Debian's chromium (apt-get install chromium)").isExecutable();
    assertThat(ConsoleBrowserTest.CHROMEDRIVER).as("Debian's chromedriver (apt-get install chromium-driver)")
        .isExecutable();
    // interactive: the IdP shows its login page, where the test types the user and the claims
    idp = new MockOAuth2Server(new OAuth2Config(true, null, null, true, new OAuth2TokenProvider(), Set.of(),
        new NettyWrapper(null)));
    idp.start();
    var dir = Files.createTempDirectory("portcullis-console-oidc");
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
        store:
          url: jdbc:sqlite:%s/p.db
        identity:
          fetch: { allow_private_networks: true, allow_http: true }
        admin:
          console:
            oidc:
              issuer: %s
              client_id: portcullis-console
              client_secret: console-client-secret
              admins: { groups: [ %s ] }
              readers: { emails: [ %s ] }
        """.formatted(dir, idp.issuerUrl("corp"), ADMINS_GROUP, READER_EMAIL));
    profile = Files.createTempDirectory("portcullis-chromium-oidc");
    ChromeOptions options = new ChromeOptions().setBinary(ConsoleBrowserTest.CHROMIUM.toFile()).addArguments(
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,800",
        "--user-data-dir=" + profile);
    browser = new ChromeDriver(new ChromeDriverService.Builder()
        .usingDriverExecutable(ConsoleBrowserTest.CHROMEDRIVER.toFile()).usingAnyFreePort().build(), options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    Files.createDirectories(ConsoleBrowserTest.SCREENSHOTS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (gw != null) {
      gw.close();
    }
    if (idp != null) {
      idp.shutdown();
    }
  }

  @AfterEach
  void forget() {
    browser.get(gw.baseUrl() + "/ui/login");
    browser.manage().deleteAllCookies();
  }

  @Test
  void anAdminByGroupSignsInAtTheIdpAndLandsOnTheOverviewAsAdmin() throws Exception {
    signInAtIdp("alice", "{\"email\":\"alice@corp.example\",\"groups\":[\"staff\",\"" + ADMINS_GROUP + "\"]}");
    wait(30).until(ExpectedConditions.urlToBe(gw.baseUrl() + "/ui/overview"));
    assertThat(waitFor(By.cssSelector(".role")).getText()).isEqualTo("alice@corp.example (admin)");
    Files.write(ConsoleBrowserTest.SCREENSHOTS.resolve("oidc-overview.png"),
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    // an admin may change things: the keys page offers the create form
    browser.get(gw.baseUrl() + "/ui/keys");
    assertThat(browser.findElements(By.id("create-key"))).isNotEmpty();
    browser.findElement(By.id("sign-out")).click();
    wait(30).until(ExpectedConditions.urlToBe(gw.baseUrl() + "/ui/login"));
    browser.get(gw.baseUrl() + "/ui/overview");
    assertThat(browser.getCurrentUrl()).isEqualTo(gw.baseUrl() + "/ui/login");
  }

  @Test
  void aReaderByEmailSignsInReadOnly() {
    signInAtIdp("rita", "{\"email\":\"rita@example.com\",\"email_verified\":true}");
    wait(30).until(ExpectedConditions.urlToBe(gw.baseUrl() + "/ui/overview"));
    assertThat(waitFor(By.cssSelector(".role")).getText()).isEqualTo("rita@example.com (read-only)");
    browser.get(gw.baseUrl() + "/ui/keys");
    assertThat(browser.findElements(By.id("create-key"))).isEmpty();
  }

  @Test
  void someoneInNeitherListIsRefusedAndStaysSignedOut() {
    signInAtIdp("mallory", "{\"email\":\"mallory@example.com\",\"groups\":[\"staff\"]}");
    assertThat(waitFor(By.cssSelector("[role=alert]")).getText())
        .contains("mallory@example.com").contains("neither an admin nor a reader");
    browser.get(gw.baseUrl() + "/ui/overview");
    assertThat(browser.getCurrentUrl()).isEqualTo(gw.baseUrl() + "/ui/login");
  }

  @Test
  void aListedAddressTheIdpSaysIsUnverifiedDoesNotCount() {
    signInAtIdp("rita2", "{\"email\":\"rita@example.com\",\"email_verified\":false}");
    assertThat(waitFor(By.cssSelector("[role=alert]")).getText()).contains("neither an admin nor a reader");
  }

  @Test
  void anAnswerWithAnotherStateIsRefusedAndTheSignInIsSpent() throws Exception {
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> start = http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/ui/oidc/start"))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(start.statusCode()).isEqualTo(303);
    String cookie = start.headers().allValues("set-cookie").stream()
        .filter(c -> c.startsWith(OidcSignIn.COOKIE + "=")).findFirst().orElseThrow();
    assertThat(cookie).containsIgnoringCase("HttpOnly").contains("SameSite=Lax").contains("Path=/ui/oidc");
    Map<String, String> q = query(start.headers().firstValue("location").orElseThrow());
    assertThat(q).containsEntry("response_type", "code").containsEntry("code_challenge_method", "S256")
        .containsEntry("client_id", "portcullis-console")
        .containsEntry("redirect_uri", gw.baseUrl() + "/ui/oidc/callback").containsKeys("state", "nonce");
    // the IdP's real answer to this browser's request: a valid code, under a state the browser did not send
    String code = code(http, start.headers().firstValue("location").orElseThrow());
    String jar = cookie.split(";", 2)[0];
    HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl()
        + "/ui/oidc/callback?code=" + code + "&state=" + "A".repeat(43))).header("cookie", jar).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("state mismatch");
    assertThat(forged.headers().allValues("set-cookie")).noneMatch(c -> c.startsWith(ConsoleClient.COOKIE_NAME + "="));
    // the state was spent by the failed try: the right one no longer signs anybody in
    HttpResponse<String> late = http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl()
        + "/ui/oidc/callback?code=" + code + "&state=" + q.get("state"))).header("cookie", jar).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(late.statusCode()).isEqualTo(403);
    assertThat(late.body()).contains("no sign-in under way");
    // nor does an answer that comes without the browser's sign-in cookie
    HttpResponse<String> noCookie = http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl()
        + "/ui/oidc/callback?code=x&state=" + q.get("state"))).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(noCookie.statusCode()).isEqualTo(403);
  }

  @Test
  void theSignInPageOffersTheIdpAndNoKeyFormWithoutAnAdminKey() throws Exception {
    HttpResponse<String> page = new ConsoleClient(gw.baseUrl()).get("/ui/login");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("id=\"sign-in-sso\"").doesNotContain("id=\"key\"");
  }

  @Test
  void anIdpThatCannotBeReachedIsAClearErrorNotAStackTrace() throws Exception {
    var dir = Files.createTempDirectory("portcullis-console-oidc-down");
    try (GatewayHarness down = GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
        store:
          url: jdbc:sqlite:%s/p.db
        identity:
          fetch: { allow_private_networks: true, allow_http: true, timeout_ms: 2000 }
        admin:
          console:
            oidc:
              issuer: http://127.0.0.1:%d/nobody-listens
              client_id: portcullis-console
              admins: { groups: [ %s ] }
        """.formatted(dir, dev.portcullis.mcp.NodeSupport.freePort(), ADMINS_GROUP))) {
      HttpResponse<String> r = new ConsoleClient(down.baseUrl()).get("/ui/oidc/start");
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(r.body()).contains("the identity provider is unavailable").doesNotContain("Exception");
    }
  }

  /** From the console's sign-in page through the IdP's login form, typing the user and the claims of their ID token. */
  private static void signInAtIdp(String user, String claims) {
    browser.get(gw.baseUrl() + "/ui/login");
    waitFor(By.id("sign-in-sso")).click();
    WebElement name = waitFor(By.name("username"));
    name.sendKeys(user);
    browser.findElement(By.name("claims")).sendKeys(claims);
    browser.findElement(By.cssSelector("input[type=submit]")).click();
  }

  /** Logs in at the IdP by posting its login form (as its page would) and returns the code it answers with. */
  private static String code(HttpClient http, String authorizationUrl) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(authorizationUrl))
        .header("content-type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("username=eve&claims=")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
    return query(r.headers().firstValue("location").orElseThrow()).get("code");
  }

  private static Map<String, String> query(String url) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    Matcher p = Pattern.compile("[?&]([^=&]+)=([^&]*)").matcher(url);
    while (p.find()) {
      m.put(p.group(1), URLDecoder.decode(p.group(2), StandardCharsets.UTF_8));
    }
    return m;
  }

  private static WebElement waitFor(By by) {
    return wait(30).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  private static WebDriverWait wait(int seconds) {
    return new WebDriverWait(browser, Duration.ofSeconds(seconds));
  }
}
