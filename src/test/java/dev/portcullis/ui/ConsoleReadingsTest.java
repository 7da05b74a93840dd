package dev.portcullis.ui;

import static dev.portcullis.ui.ConsoleClient.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's shared readings (issue 17), through HTTP: one reading of the store serves every
 * operator asking the same question for {@code cache_seconds} (here long enough that a change made
 * outside the console stays unseen while it lasts), never a question with other filters, never
 * another session's forms or another role's buttons; a change made in the console shows at once;
 * and each operator's page budget.
 */
class ConsoleReadingsTest {
  static final String ADMIN = "readings-admin-key";
  static final String READER = "readings-reader-key";
  private static final Pattern AS_OF = Pattern.compile("id=\"as-of\">As of (\\d\\d:\\d\\d:\\d\\d) UTC");
  static GatewayHarness gw;
  static AdminClient admin;

  @BeforeAll
  static void start() throws Exception {
    var dir = Files.createTempDirectory("portcullis-console-readings");
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
          read_only_keys: [%s]
          console:
            cache_seconds: 300
        """.formatted(dir, ADMIN, READER));
    admin = new AdminClient(gw.baseUrl(), ADMIN);
    String secret = admin.createKey("{\"name\":\"readings-used\"}");
    gw.openAi(secret).chat().completions().create(ChatCompletionCreateParams.builder().model("demo")
        .addUserMessage("count me").build());
    gw.gateway().flushUsage();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  private static ConsoleClient signedIn(String key) throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    assertThat(c.signIn(key).statusCode()).isEqualTo(303);
    return c;
  }

  @Test
  void aReadingServesEveryOperatorUntilItExpiresAndTheConsolesOwnChangesShowAtOnce() throws Exception {
    ConsoleClient one = signedIn(ADMIN);
    ConsoleClient two = signedIn(ADMIN);
    String first = one.get("/ui/keys?q=readings-").body();
    assertThat(first).contains("data-key=\"readings-used\"");
    String asOf = asOf(first);

    // made outside the console (the admin API): the shared reading does not know it yet, and says how old it is
    admin.createKey("{\"name\":\"readings-elsewhere\"}");
    String again = two.get("/ui/keys?q=readings-").body();
    assertThat(again).contains("data-key=\"readings-used\"").doesNotContain("readings-elsewhere")
        .contains("changes made here at once");
    assertThat(asOf(again)).isEqualTo(asOf);

    // made in the console: the answer, and every page after it, read the store again
    String csrf = ConsoleClient.csrf(again);
    HttpResponse<String> made = two.post("/ui/keys", form("csrf", csrf, "name", "readings-console", "owner", "t"));
    assertThat(made.statusCode()).isEqualTo(201);
    assertThat(made.body()).contains("id=\"new-secret\"").contains("data-key=\"readings-console\"");
    String after = one.get("/ui/keys?q=readings-").body();
    assertThat(after).contains("data-key=\"readings-console\"").contains("data-key=\"readings-elsewhere\"");

    // a key disabled in the console is shown disabled on the page the browser is sent to
    Matcher id = Pattern.compile("action=\"/ui/keys/([^/\"]+)/disable\"").matcher(after);
    assertThat(id.find()).isTrue();
    HttpResponse<String> disabled = one.post("/ui/keys/" + id.group(1) + "/disable", form("csrf",
        ConsoleClient.csrf(after)));
    assertThat(disabled.statusCode()).isEqualTo(303);
    String shown = two.get("/ui/keys?q=readings-").body();
    assertThat(shown).contains("action=\"/ui/keys/" + id.group(1) + "/enable\"");
  }

  @Test
  void aReadingAnswersOnlyItsOwnFilters() throws Exception {
    ConsoleClient c = signedIn(ADMIN);
    String demo = c.get("/ui/usage?model=demo&group_by=model").body();
    assertThat(demo).contains("data-label=\"model\">demo</td>");
    String other = c.get("/ui/usage?model=other&group_by=model").body();
    assertThat(other).contains("No usage in this range.").doesNotContain("data-label=\"model\">demo</td>");
    assertThat(c.get("/ui/usage?model=demo&group_by=model").body()).contains("data-label=\"model\">demo</td>");
    assertThat(c.get("/ui/usage.csv?model=demo&group_by=model").body()).contains("\ndemo,1,");
    assertThat(c.get("/ui/usage.csv?model=other&group_by=model").body().lines()).hasSize(1); // the header
    assertThat(c.get("/ui/usage.csv?model=demo&group_by=model").body()).contains("\ndemo,1,");
    // the overview's windows are questions of their own too
    assertThat(c.get("/ui/overview?window=7d").body()).contains("Last 7 days, per 1 h");
    assertThat(c.get("/ui/overview?window=1h").body()).contains("Last hour, per 1 min");
  }

  @Test
  void aReaderAfterAnAdminSeesNeitherTheAdminsFormsNorTheAdminsButtons() throws Exception {
    ConsoleClient boss = signedIn(ADMIN);
    String adminPage = boss.get("/ui/keys?q=readings-used").body();
    String adminCsrf = ConsoleClient.csrf(adminPage);
    assertThat(adminPage).contains(">Rotate</button>").contains("id=\"create-key\"");

    ConsoleClient reader = signedIn(READER);
    String readerPage = reader.get("/ui/keys?q=readings-used").body();
    assertThat(readerPage).contains("data-key=\"readings-used\"").doesNotContain(adminCsrf)
        .doesNotContain(">Rotate</button>").doesNotContain("id=\"create-key\"").contains("read-only");
    assertThat(ConsoleClient.csrf(readerPage)).isNotEqualTo(adminCsrf);
    // and the reader still may not change anything, whatever the admin's reading showed
    assertThat(reader.post("/ui/keys", form("csrf", ConsoleClient.csrf(readerPage), "name", "nope")).statusCode())
        .isEqualTo(403);
  }

  @Test
  void anOperatorPagingFasterThanTheBudgetIsToldToWaitAndOthersAreNot() throws Exception {
    var dir = Files.createTempDirectory("portcullis-console-budget");
    try (GatewayHarness tight = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        store:
          url: jdbc:sqlite:%s/p.db
        admin:
          key: %s
          console:
            pages_per_second: 1
        """.formatted(dir, ADMIN))) {
      ConsoleClient fast = new ConsoleClient(tight.baseUrl());
      fast.signIn(ADMIN);
      String fastCsrf = ConsoleClient.csrf(fast.get("/ui/teams").body());
      HttpResponse<String> r = null;
      for (int i = 0; i < 50 && (r == null || r.statusCode() != 429); i++) {
        r = fast.get("/ui/teams");
      }
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(r.headers().firstValue("retry-after")).hasValueSatisfying(v -> assertThat(Long.parseLong(v))
          .isBetween(1L, 2L));
      assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
      assertThat(r.body()).contains("faster than the console serves one operator (1 a second)")
          .contains("then reload the page");

      // another operator from the same address has a budget of their own, and the data plane its own limits
      ConsoleClient calm = new ConsoleClient(tight.baseUrl());
      calm.signIn(ADMIN);
      assertThat(calm.get("/ui/teams").statusCode()).isEqualTo(200);
      assertThat(tight.get("/v1/models").statusCode()).isEqualTo(200);

      // signing out is never refused
      HttpResponse<String> out = fast.post("/ui/logout", form("csrf", fastCsrf));
      assertThat(out.statusCode()).isEqualTo(303);
      assertThat(out.headers().firstValue("location")).hasValue("/ui/login");
    }
  }

  private static String asOf(String page) {
    Matcher m = AS_OF.matcher(page);
    assertThat(m.find()).as("the page says how old its reading is").isTrue();
    return m.group(1);
  }
}
