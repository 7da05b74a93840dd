package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import io.vertx.core.http.HttpHeaders;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 11, defect 1, through HTTP: a hostile key holder's max_tokens (2^63-1, 1e300, beyond 64
 * bits, strings, negatives) and an upstream's impossible usage (negative, 2^63-1, in a body or a
 * stream) can neither get a request past its budget or TPM limit, nor refund spend, nor leave a
 * persona's parallel slot taken.
 */
class LimitArithmeticTest {
  static final String ADMIN = "arith-admin";
  static final ObjectMapper JSON = new ObjectMapper();
  static final String HUGE = "9223372036854775807";

  FakeOpenAiUpstream fake;
  GatewayHarness gw;
  AdminClient admin;
  ListAppender<ILoggingEvent> log;
  Logger accountantLog;

  @BeforeEach
  void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    Path dir = Files.createTempDirectory("portcullis-arith");
    // $1000 per million tokens: a token costs 1,000,000 nano-dollars
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
          gpt-test:
            deployments:
              - type: openai_compatible
                base_url: %s
        store:
          url: jdbc:sqlite:%s/p.db
          flush_ms: 50
        admin:
          key: %s
        pricing:
          models:
            demo: { input: 1000, output: 1000 }
            gpt-test: { input: 1000, output: 1000 }
        server:
          access_log: false
        personas:
          shared:
            models: [demo]
            keys: [config-key-1]
            limits: { max_parallel: 1, tpm: 100000000 }
        """.formatted(fake.baseUrl(), dir, ADMIN));
    admin = new AdminClient(gw.baseUrl(), ADMIN);
    accountantLog = (Logger) LoggerFactory.getLogger(Accountant.class);
    log = new ListAppender<>();
    log.start();
    accountantLog.addAppender(log);
  }

  @AfterEach
  void stop() throws Exception {
    accountantLog.detachAppender(log);
    gw.close();
    fake.close();
  }

  HttpResponse<String> chat(String key, String model, String extra) throws Exception {
    return post("/v1/chat/completions", key, null, "{\"model\":\"" + model + "\"," + extra
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}");
  }

  HttpResponse<String> post(String path, String key, String persona, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("authorization", "Bearer " + key).header("content-type", "application/json")
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (persona != null) {
      b.header("x-portcullis-persona", persona);
    }
    return gw.send(b.build());
  }

  long spentNanos(String name) throws Exception {
    JsonNode spend = admin.ok("GET", "/admin/keys/" + name, null).get("spend");
    assertThat(spend.get("reserved_usd").decimalValue().signum()).as("nothing left reserved").isZero();
    return new BigDecimal(spend.get("total_usd").asText()).movePointRight(9).longValueExact();
  }

  void awaitUsageRows(String name, long requests) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String id = admin.ok("GET", "/admin/keys/" + name, null).get("id").asText();
      assertThat(admin.ok("GET", "/admin/usage?group_by=key&key=" + id, null).at("/data/0/requests").asLong())
          .isEqualTo(requests);
    });
  }

  @Test
  void hugeMaxTokensCannotPassASpentBudget() throws Exception {
    // $0.05 buys 50,000 tokens; a first call spends some of it
    String key = admin.createKey("{\"name\":\"spender\",\"budget_usd\":0.05}");
    assertThat(chat(key, "demo", "\"max_tokens\":5,").statusCode()).isEqualTo(200);
    awaitUsageRows("spender", 1);
    long before = spentNanos("spender");
    assertThat(before).isPositive();

    for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
      for (String value : new String[] {HUGE, "99999999999999999999999999"}) {
        HttpResponse<String> r = chat(key, "demo", "\"" + field + "\":" + value + ",");
        assertThat(r.statusCode()).as(field + "=" + value + ": " + r.body()).isEqualTo(403);
        assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("key_budget_exceeded");
      }
    }
    // n multiplies the answer: 1000 tokens x 1000 choices is far beyond $0.05
    HttpResponse<String> many = chat(key, "demo", "\"max_tokens\":1000,\"n\":1000,");
    assertThat(many.statusCode()).as(many.body()).isEqualTo(403);
    assertThat(spentNanos("spender")).isEqualTo(before);
  }

  @Test
  void hugeMaxTokensCannotPassATpmLimit() throws Exception {
    String key = admin.createKey("{\"name\":\"tpm\",\"tpm\":5000}");
    for (String value : new String[] {HUGE, "18446744073709551621"}) { // 2^64+5 would wrap to 5
      HttpResponse<String> r = chat(key, "demo", "\"max_tokens\":" + value + ",");
      assertThat(r.statusCode()).as(value + ": " + r.body()).isEqualTo(429);
      JsonNode e = JSON.readTree(r.body()).get("error");
      assertThat(e.get("code").asText()).isEqualTo("rate_limit_exceeded");
      assertThat(e.get("type").asText()).isEqualTo("tokens");
      assertThat(e.get("message").asText()).contains("Request too large").contains("Limit 5000");
    }
    // nothing was taken by the refusals: a modest request still fits
    assertThat(chat(key, "demo", "\"max_tokens\":10,").statusCode()).isEqualTo(200);
  }

  @Test
  void maxTokensThatIsNotAPositiveIntegerIsA400NamingTheField() throws Exception {
    String key = admin.createKey("{\"name\":\"sloppy\",\"budget_usd\":1}");
    String[][] cases = {
        {"max_tokens", "1e300", "expected an integer, but got a decimal number"},
        {"max_tokens", "1.5", "expected an integer, but got a decimal number"},
        {"max_tokens", "\"100\"", "expected an integer, but got a string"},
        {"max_tokens", "-5", "Expected a value >= 1, but got -5"},
        {"max_tokens", "0", "Expected a value >= 1, but got 0"},
        {"max_completion_tokens", "-9223372036854775808", "integer below minimum value"},
        {"max_completion_tokens", "true", "expected an integer, but got a boolean"},
        {"n", "-1", "Expected a value >= 1"},
        {"n", "\"x\"", "got a string"}};
    for (String[] c : cases) {
      HttpResponse<String> r = chat(key, "demo", "\"" + c[0] + "\":" + c[1] + ",");
      assertThat(r.statusCode()).as(c[0] + "=" + c[1] + ": " + r.body()).isEqualTo(400);
      JsonNode e = JSON.readTree(r.body()).get("error");
      assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
      assertThat(e.get("param").asText()).isEqualTo(c[0]);
      assertThat(e.get("message").asText()).contains(c[2]);
    }
    // the same on Anthropic's surface, in Anthropic's shape
    HttpResponse<String> a = post("/v1/messages", key, null,
        "{\"model\":\"demo\",\"max_tokens\":-1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(a.statusCode()).isEqualTo(400);
    JsonNode body = JSON.readTree(a.body());
    assertThat(body.get("type").asText()).isEqualTo("error");
    assertThat(body.at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(body.at("/error/message").asText()).contains("max_tokens");
    // 1e300 is no integer there either
    HttpResponse<String> huge = post("/v1/messages", key, null,
        "{\"model\":\"demo\",\"max_tokens\":1e300,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(huge.statusCode()).isEqualTo(400);
    assertThat(spentNanos("sloppy")).isZero();
  }

  @Test
  void negativeOrAbsurdUsageFromAnUpstreamNeverRefundsAndIsLogged() throws Exception {
    String key = admin.createKey("{\"name\":\"victim\",\"budget_usd\":5}");
    assertThat(chat(key, "gpt-test", "").statusCode()).isEqualTo(200); // the fake's 7 + 4 tokens
    awaitUsageRows("victim", 1);
    long spent = spentNanos("victim");
    assertThat(spent).isEqualTo(11 * 1_000_000L);

    fake.enqueue(completion("{\"prompt_tokens\":-1000000,\"completion_tokens\":-5,\"total_tokens\":-1000005}"));
    assertThat(chat(key, "gpt-test", "").statusCode()).isEqualTo(200);
    awaitUsageRows("victim", 2);
    assertThat(spentNanos("victim")).as("a negative report refunds nothing").isEqualTo(spent);

    fake.enqueue(stream("{\"prompt_tokens\":-7,\"completion_tokens\":-99999999999999999999999}"));
    HttpResponse<String> s = chat(key, "gpt-test", "\"stream\":true,");
    assertThat(s.statusCode()).isEqualTo(200);
    assertThat(s.body()).contains("[DONE]");
    awaitUsageRows("victim", 3);
    assertThat(spentNanos("victim")).as("nor does one in a stream's usage chunk").isEqualTo(spent);

    // 2^63-1 prompt tokens: charged (as the most a call can use), not wrapped into a refund
    fake.enqueue(completion("{\"prompt_tokens\":" + HUGE + ",\"completion_tokens\":" + HUGE + "}"));
    assertThat(chat(key, "gpt-test", "").statusCode()).isEqualTo(200);
    awaitUsageRows("victim", 4);
    long after = spentNanos("victim");
    assertThat(after).isGreaterThan(spent);
    // the budget is spent now: the next request is refused
    HttpResponse<String> refused = chat(key, "gpt-test", "");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(refused.body()).at("/error/code").asText()).isEqualTo("key_budget_exceeded");

    assertThat(log.list).filteredOn(e -> e.getLevel() == Level.WARN).extracting(ILoggingEvent::getFormattedMessage)
        .anySatisfy(m -> assertThat(m).contains("impossible usage").contains("prompt tokens -1000000"))
        .anySatisfy(m -> assertThat(m).contains("impossible usage").contains("completion tokens " + Long.MIN_VALUE))
        .anySatisfy(m -> assertThat(m).contains("impossible usage").contains("prompt tokens " + HUGE));
  }

  @Test
  void aSharedPersonasParallelSlotIsFreeAgainAfterAHugeMaxTokensRequest() throws Exception {
    // The issue: 2^63-1 wrapped the persona's token reservation, settlement threw, and the slot
    // stayed taken, locking every other member of the persona out until a restart.
    String body = "{\"model\":\"demo\",\"max_tokens\":" + HUGE + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    assertThat(post("/v1/chat/completions", GatewayHarness.KEY, "shared", body).statusCode()).isEqualTo(200);
    String small = "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"next\"}]}";
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(post("/v1/chat/completions", GatewayHarness.KEY, "shared", small).statusCode()).isEqualTo(200));
    // both calls were recorded
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(admin.ok("GET",
        "/admin/usage?group_by=persona&persona=shared", null).at("/data/0/requests").asLong()).isEqualTo(2));
    assertThat(log.list).noneMatch(e -> e.getLevel() == Level.ERROR);
  }

  static FakeOpenAiUpstream.Behaviour completion(String usage) {
    return (req, r) -> req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end("""
        {"id":"chatcmpl-lie","object":"chat.completion","created":1,"model":"gpt-test",
         "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
         "usage":%s}""".formatted(usage));
  }

  static FakeOpenAiUpstream.Behaviour stream(String usage) {
    return (req, r) -> req.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream").end(
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\",\"choices\":"
            + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\",\"choices\":"
            + "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
            + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\",\"choices\":"
            + "[],\"usage\":" + usage + "}\n\n"
            + "data: [DONE]\n\n");
  }
}
