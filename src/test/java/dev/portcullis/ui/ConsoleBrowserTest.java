package dev.portcullis.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.testing.GatewayHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
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
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (Debian's chromium, driven through its chromedriver): sign in,
 * a wrong key refused, a key made in the console used with the OpenAI SDK, seen in the overview
 * without a reload, disabled in the console and then refused, sign out. Screenshots of each page
 * at 1280x800 go to target/console-screenshots/.
 */
class ConsoleBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  static final String ADMIN = "browser-admin-key";

  static GatewayHarness gw;
  static ChromeDriver browser;
  static Path profile;

  @BeforeAll
  static void start() throws Exception {
    // a missing browser is a failure, not a skip: .ci/run installs chromium and chromium-driver
    assertThat(CHROMIUM).as("Debian's chromium (apt-get install chromium)").isExecutable();
    assertThat(CHROMEDRIVER).as("Debian's chromedriver (apt-get install chromium-driver)").isExecutable();
    var dir = Files.createTempDirectory("portcullis-console-browser");
    gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        store:
          url: jdbc:sqlite:%s/p.db
          flush_ms: 50
        admin:
          key: %s
        audit:
          flush_ms: 50
        mcp:
          servers:
            demo: { type: builtin }
          virtual_servers:
            desk:
              description: The help desk's tools
              tools: [ { match: demo__echo, rename: echo } ]
        """.formatted(dir, ADMIN));
    profile = Files.createTempDirectory("portcullis-chromium");
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless",
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,800",
        "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    viewport(1280, 800, false);
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void anOperatorSignsInMakesAKeyWatchsItUsedDisablesItAndSignsOut() throws Exception {
    // a wrong key is refused
    browser.get(gw.baseUrl() + "/ui/keys");
    waitFor(By.id("sign-in"));
    assertThat(browser.getCurrentUrl()).endsWith("/ui/login");
    String visitorId = browser.manage().getCookieNamed(Console.COOKIE).getValue();
    signIn("not-the-key");
    assertThat(waitFor(By.id("sign-in-error")).getText()).isEqualTo("Incorrect key.");
    shoot("01-sign-in-refused");

    // the right one opens the console, under a new session id
    signIn(ADMIN);
    waitFor(By.id("overview"));
    assertThat(browser.manage().getCookieNamed(Console.COOKIE).getValue()).isNotEqualTo(visitorId);
    assertThat(browser.findElement(By.id("requests-today")).getText()).isEqualTo("0");

    // create a key; its secret is shown once
    browser.findElement(By.linkText("Keys")).click();
    waitFor(By.id("new-name")).sendKeys("browser-made");
    browser.findElement(By.name("budget_usd")).sendKeys("5");
    browser.findElement(By.name("team")).sendKeys("web");
    browser.findElement(By.id("create")).click();
    String secret = waitFor(By.id("new-secret")).getText();
    assertThat(secret).isNotBlank();
    shoot("02-key-created");

    // it works with the OpenAI SDK
    OpenAIClient sdk = gw.openAi(secret);
    ChatCompletion done = sdk.chat().completions().create(ChatCompletionCreateParams.builder().model("demo")
        .addUserMessage("hello from the console test").build());
    assertThat(done.choices()).isNotEmpty();

    // the overview shows the request without a reload (it polls)
    browser.findElement(By.linkText("Overview")).click();
    WebElement requests = waitFor(By.id("overview"));
    patiently(30).until(d -> d.findElement(By.id("requests-today")).getText()
        .equals("1"));
    assertThat(browser.findElement(By.id("top-models")).getText()).contains("demo");
    assertThat(requests).isNotNull();
    // its charts are drawn (uPlot, under the console's strict CSP) and follow the polls
    patiently(30).until(d -> d.findElement(
        By.cssSelector("#traffic-chart figcaption")).getText().contains("requests 1 in all"));
    waitFor(By.cssSelector("#traffic-chart canvas"));
    waitFor(By.cssSelector("#latency-chart canvas"));
    assertThat(browser.findElement(By.id("top-keys")).getText()).contains("key_");
    shoot("03-overview");

    // the usage report, grouped by key, with its chart and CSV link
    browser.findElement(By.linkText("Usage")).click();
    new Select(waitFor(By.name("group_by"))).selectByVisibleText("key");
    browser.findElement(By.cssSelector("#usage-form button")).click();
    patiently(20).until(d -> d.getCurrentUrl().contains("group_by=key"));
    assertThat(waitFor(By.id("usage")).getText()).contains("key_");
    waitFor(By.cssSelector("#usage-requests-chart canvas"));
    assertThat(browser.findElement(By.id("usage-csv")).getAttribute("href")).contains("/ui/usage.csv?")
        .contains("group_by=key");
    shoot("08-usage");

    // the key list shows it with its spend against the budget; search finds it
    browser.findElement(By.linkText("Keys")).click();
    WebElement search = waitFor(By.id("q"));
    search.sendKeys("browser");
    patiently(20).until(d -> d.getCurrentUrl().contains("q=browser"));
    WebElement row = waitFor(By.cssSelector("tr[data-key='browser-made']"));
    assertThat(row.findElement(By.tagName("meter")).getAttribute("max")).isEqualTo("5");
    assertThat(row.getText()).contains("active").contains("web");
    shoot("04-keys");

    // disabled in the console, refused by the gateway
    row.findElement(By.xpath(".//button[text()='Disable']")).click();
    patiently(20).until(d -> d.findElement(
        By.cssSelector("tr[data-key='browser-made'] td.status")).getText().equals("disabled"));
    assertThatThrownBy(() -> sdk.chat().completions().create(ChatCompletionCreateParams.builder().model("demo")
        .addUserMessage("still there?").build())).isInstanceOf(OpenAIServiceException.class)
        .satisfies(e -> assertThat(((OpenAIServiceException) e).statusCode()).isIn(401, 403));

    browser.findElement(By.linkText("Teams")).click();
    assertThat(waitFor(By.id("teams")).getText()).contains("web");
    shoot("05-teams");

    // the audit trail has the calls, and its chain verifies
    browser.findElement(By.linkText("Audit")).click();
    patiently(30).until(d -> {
      d.navigate().refresh(); // audit records of model calls are written in batches
      return d.findElements(By.cssSelector("#audit tbody tr td[data-label='Outcome']")).size() >= 1;
    });
    assertThat(browser.findElement(By.id("audit")).getText()).contains("chat_completions").contains("ok (200)");
    browser.findElement(By.id("verify")).click();
    assertThat(waitFor(By.id("verify-result")).getText()).startsWith("Chain intact.");
    shoot("06-audit");

    // the MCP page: the built-in upstream with its tools, and the virtual server
    browser.findElement(By.linkText("MCP")).click();
    WebElement upstream = waitFor(By.cssSelector("tr[data-upstream='demo']"));
    assertThat(upstream.getText()).contains("connected").contains("demo__echo");
    assertThat(browser.findElement(By.cssSelector("tr[data-virtual='desk']")).getText()).contains("/mcp/desk")
        .contains("echo");
    shoot("10-mcp");

    // the configuration in force, its secrets masked
    browser.findElement(By.linkText("Configuration")).click();
    String config = waitFor(By.id("running-config")).getText();
    assertThat(config).contains(MaskedConfig.MASK).doesNotContain(ADMIN);
    shoot("11-config");

    // a phone-sized window still shows the key list, one card per key
    viewport(390, 844, true);
    browser.findElement(By.linkText("Keys")).click();
    waitFor(By.cssSelector("tr[data-key='browser-made']"));
    shoot("07-keys-phone");
    browser.findElement(By.linkText("Overview")).click();
    waitFor(By.cssSelector("#traffic-chart canvas"));
    shoot("09-overview-phone");
    viewport(1280, 800, false);

    // sign out: the console is closed again
    browser.findElement(By.id("sign-out")).click();
    waitFor(By.id("sign-in"));
    browser.get(gw.baseUrl() + "/ui/keys");
    waitFor(By.id("sign-in"));
    assertThat(browser.getCurrentUrl()).endsWith("/ui/login");
  }

  /** The page's own size (what the screenshots show), whatever room the window's frame takes. */
  private static void viewport(int width, int height, boolean phone) {
    browser.executeCdpCommand("Emulation.setDeviceMetricsOverride", java.util.Map.of("width", width, "height", height,
        "deviceScaleFactor", 1, "mobile", phone));
  }

  private static void signIn(String key) {
    WebElement field = waitFor(By.id("key"));
    field.clear();
    field.sendKeys(key);
    browser.findElement(By.id("sign-in")).click();
  }

  private static WebElement waitFor(By by) {
    return patiently(30).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  private static void shoot(String name) throws Exception {
    Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  /**
   * Waits up to {@code seconds}; an element htmx replaced between finding and reading it (the
   * live parts re-render themselves) is looked up again instead of failing the wait.
   */
  private static org.openqa.selenium.support.ui.FluentWait<org.openqa.selenium.WebDriver> patiently(int seconds) {
    return new WebDriverWait(browser, Duration.ofSeconds(seconds))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class);
  }
}
