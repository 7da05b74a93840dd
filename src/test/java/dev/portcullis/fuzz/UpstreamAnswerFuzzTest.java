package dev.portcullis.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.sun.net.httpserver.HttpServer;
import dev.portcullis.testing.GatewayHarness;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;

/**
 * A lying upstream: whatever status, content type and bytes a provider sends back, in whichever
 * wire family, the client gets a well-formed answer in its own surface's shape (a translated
 * success, or an error), never a 500, a hang or bytes that break its SDK's parser.
 */
class UpstreamAnswerFuzzTest {
  private static final String[] FAMILIES = {"openai", "anthropic", "gemini", "bedrock"};
  private static final int[] STATUSES = {200, 200, 200, 201, 204, 301, 302, 400, 401, 404, 429, 500, 503};
  private static final String[] TYPES = {"application/json", "text/event-stream",
      "application/vnd.amazon.eventstream", "text/html", "", "application/json; charset=utf-8"};

  private static final AtomicReference<Answer> NEXT = new AtomicReference<>();
  private static HttpServer upstream;
  private static GatewayHarness gw;
  private static HttpClient http;

  record Answer(int status, String type, byte[] body) {}

  private static synchronized void start() throws Exception {
    if (gw != null) {
      return;
    }
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", ex -> {
      Answer a = NEXT.get();
      ex.getRequestBody().readAllBytes();
      if (!a.type().isEmpty()) {
        ex.getResponseHeaders().add("content-type", a.type());
      }
      if (a.status() == 301 || a.status() == 302) {
        ex.getResponseHeaders().add("location", "http://127.0.0.1:1/elsewhere");
      }
      boolean noBody = a.status() == 204 || a.body().length == 0;
      ex.sendResponseHeaders(a.status(), noBody ? -1 : a.body().length);
      if (!noBody) {
        ex.getResponseBody().write(a.body());
      }
      ex.close();
    });
    upstream.start();
    String base = "http://127.0.0.1:" + upstream.getAddress().getPort();
    gw = GatewayHarness.start("""
        router: { max_attempts: 1, backoff_initial_ms: 1, backoff_max_ms: 2, cooldown_failures: 1000000 }
        models:
          openai:
            deployments: [{ type: openai_compatible, base_url: %1$s/v1, api_key: k, model: m }]
          anthropic:
            deployments: [{ type: anthropic, base_url: %1$s, api_key: k, model: claude-x }]
          gemini:
            deployments: [{ type: gemini, base_url: %1$s/v1beta, api_key: k, model: gemini-2.5-flash }]
          bedrock:
            deployments: [{ type: bedrock, base_url: %1$s, region: us-east-1, access_key_id: AKIDEXAMPLE,
                            secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, model: anthropic.claude }]
        """.formatted(base));
    http = FuzzGateway.client();
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
      upstream.stop(0);
      gw = null;
    }
  }

  @FuzzTest(maxDuration = "20s")
  void anyUpstreamAnswerReachesTheClientWellFormed(FuzzedDataProvider data) throws Exception {
    try (var allowed = FuzzGateway.loopbackOnly()) {
      check(data);
    }
  }

  private void check(FuzzedDataProvider data) throws Exception {
    start();
    String family = data.pickValue(FAMILIES);
    boolean anthropicSurface = data.consumeBoolean();
    boolean stream = data.consumeBoolean();
    NEXT.set(new Answer(data.pickValue(STATUSES), data.pickValue(TYPES), data.consumeRemainingAsBytes()));
    String path = anthropicSurface ? "/v1/messages" : "/v1/chat/completions";
    String body = anthropicSurface
        ? "{\"model\":\"" + family + "\",\"max_tokens\":16,\"stream\":" + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
        : "{\"model\":\"" + family + "\",\"stream\":" + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    HttpResponse<byte[]> r = FuzzGateway.post(http, gw, path, body.getBytes(StandardCharsets.UTF_8),
        "authorization", "Bearer " + GatewayHarness.KEY);
    FuzzGateway.assertWellFormed(r, anthropicSurface ? "error" : "error");
    if (r.statusCode() / 100 == 3) {
      throw new AssertionError("an upstream redirect reached the client as " + r.statusCode());
    }
    String type = r.headers().firstValue("content-type").orElse("");
    if (type.startsWith("text/event-stream")) {
      assertThat(r.statusCode()).isEqualTo(200);
      SseAnswers.assertWellFormed(new String(r.body(), StandardCharsets.UTF_8), anthropicSurface);
    }
  }
}
