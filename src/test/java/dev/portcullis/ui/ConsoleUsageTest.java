package dev.portcullis.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's usage report, its CSV and the overview's charts, over plain HTTP, on requests made with the OpenAI SDK. */
class ConsoleUsageTest {
  static final String ADMIN = "usage-admin-key";
  static final String READER = "usage-reader-key";
  static GatewayHarness gw;
  static String keyA;
  static String keyB;

  @BeforeAll
  static void start() throws Exception {
    var dir = Files.createTempDirectory("portcullis-console-usage");
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
        audit:
          flush_ms: 50
        """.formatted(dir, ADMIN, READER));
    AdminClient admin = new AdminClient(gw.baseUrl(), ADMIN);
    var a = admin.ok("POST", "/admin/keys", "{\"name\":\"usage-a\"}");
    var b = admin.ok("POST", "/admin/keys", "{\"name\":\"usage-b\"}");
    keyA = a.get("id").asText();
    keyB = b.get("id").asText();
    for (int i = 0; i < 3; i++) {
      chat(a.get("key").asText());
    }
    chat(b.get("key").asText());
    gw.gateway().flushUsage();
  }

  private static void chat(String secret) {
    gw.openAi(secret).chat().completions().create(ChatCompletionCreateParams.builder().model("demo")
        .addUserMessage("count me").build());
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

  private static String cell(String label, Object value) {
    return "<td data-label=\"" + label + "\">" + value + "</td>";
  }

  @Test
  void theReportGroupsByKeyWithAChartOfTheDays() throws Exception {
    HttpResponse<String> r = signedIn(ADMIN).get("/ui/usage?group_by=key");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains(cell("key", keyA) + cell("Requests", 3)).contains(cell("key", keyB) + cell("Requests", 1))
        .contains("id=\"usage-requests-chart\"").contains("Requests per day: requests 4 in all, errors 0 in all")
        .contains("data-chart=\"{&quot;unit&quot;:&quot;&quot;,&quot;x&quot;:[");
    // the chart has one point per day of the (default 30-day) range
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    assertThat(r.body()).contains("name=\"to\" value=\"" + today + "\"");
  }

  @Test
  void twoGroupingsAndAFilterNarrowTheReport() throws Exception {
    ConsoleClient c = signedIn(READER); // looking is what a read-only key may do
    String both = c.get("/ui/usage?group_by=model&group_by=key&key=" + keyB).body();
    assertThat(both).contains(cell("model", "demo") + cell("key", keyB) + cell("Requests", 1)).doesNotContain(keyA + "</td>");
    assertThat(c.get("/ui/usage?model=no-such-model").body()).contains("No usage in this range.");
  }

  @Test
  void theCsvIsTheSameReportAsAFile() throws Exception {
    HttpResponse<String> r = signedIn(ADMIN).get("/ui/usage.csv?group_by=key");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/csv");
    assertThat(r.headers().firstValue("content-disposition").orElseThrow()).startsWith("attachment;");
    assertThat(r.headers().firstValue("x-portcullis-truncated")).isEmpty();
    assertThat(r.body().lines().toList()).hasSize(3)
        .first().isEqualTo("key,requests,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,cost_usd");
    assertThat(r.body()).contains("\n" + keyA + ",3,").contains("\n" + keyB + ",1,");
  }

  @Test
  void badReportInputIsAnErrorPageThatSaysWhat() throws Exception {
    ConsoleClient c = signedIn(ADMIN);
    String[][] cases = {
        {"/ui/usage?from=2026-02-01&to=2026-01-01", "is after to"},
        {"/ui/usage?from=yesterday", "from: not a date"},
        {"/ui/usage?group_by=principal", "cannot group by &#39;principal&#39;"},
        {"/ui/usage?group_by=key&group_by=model&group_by=team", "at most 2"},
        {"/ui/usage?from=2020-01-01&to=2026-01-01", "at most 366 days"},
        {"/ui/usage.csv?to=31.12.2026", "to: not a date"},
    };
    for (String[] k : cases) {
      HttpResponse<String> r = c.get(k[0]);
      assertThat(r.statusCode()).as(k[0]).isEqualTo(400);
      assertThat(r.body()).as(k[0]).contains(k[1]).doesNotContain("Exception");
    }
  }

  @Test
  void signedOutTheReportAndItsCsvAreNotShown() throws Exception {
    ConsoleClient c = new ConsoleClient(gw.baseUrl());
    for (String path : new String[] {"/ui/usage", "/ui/usage.csv"}) {
      HttpResponse<String> r = c.get(path);
      assertThat(r.statusCode()).isEqualTo(303);
      assertThat(r.headers().firstValue("location")).hasValue("/ui/login");
    }
  }

  @Test
  void theOverviewChartsTheWindowAndNamesTheBusiestKeys() throws Exception {
    ConsoleClient c = signedIn(ADMIN);
    String day = c.get("/ui/overview").body();
    assertThat(day).contains("id=\"traffic-chart\"").contains("Traffic: requests 4 in all, errors 0 in all, refusals 0 in all")
        .contains("id=\"spend-chart\"").contains("id=\"latency-chart\"").contains("Last 24 hours, per 1 h");
    // busiest first
    assertThat(day.indexOf(cell("Key", keyA))).isPositive().isLessThan(day.indexOf(cell("Key", keyB)));
    assertThat(day).contains("id=\"top-tools\"");
    String hour = c.get("/ui/overview/numbers?window=1h").body();
    assertThat(hour).startsWith("<section id=\"overview\"").contains("window=1h").contains("requests 4 in all");
    HttpResponse<String> bad = c.get("/ui/overview?window=1y");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("expected 1h, 24h or 7d");
  }
}
