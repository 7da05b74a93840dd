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
 * A lying upstream under a Responses API client: whatever a chat completions provider streams
 * or answers (turned into Responses events by the gateway's translator) and whatever an OpenAI
 * Responses upstream sends (relayed, renumbered and guarded), the client gets a well-formed
 * answer: a Responses stream that ends with one terminal event, a JSON response, or an
 * OpenAI-shaped error; never a redirect, a 500 or a hang.
 */
class ResponsesStreamFuzzTest {
  private static final String[] MODELS = {"chat", "native"};
  private static final int[] STATUSES = {200, 200, 200, 201, 204, 302, 400, 429, 500};
  private static final String[] TYPES = {"text/event-stream", "application/json", "text/html", ""};

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
      if (a.status() == 302) {
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
    String base = "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1";
    gw = GatewayHarness.start("""
        router: { max_attempts: 1, backoff_initial_ms: 1, backoff_max_ms: 2, cooldown_failures: 1000000 }
        models:
          chat:
            deployments: [{ type: openai_compatible, base_url: %1$s, api_key: k, model: m }]
          native:
            deployments: [{ type: openai, base_url: %1$s, api_key: k }]
        guard:
          rules:
            - { name: pii, detectors: [pii], action: redact, direction: both }
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
  void anyUpstreamAnswerReachesAResponsesClientWellFormed(FuzzedDataProvider data) throws Exception {
    try (var allowed = FuzzGateway.loopbackOnly()) {
      check(data);
    }
  }

  private void check(FuzzedDataProvider data) throws Exception {
    start();
    String model = data.pickValue(MODELS);
    boolean stream = data.consumeBoolean();
    NEXT.set(new Answer(data.pickValue(STATUSES), data.pickValue(TYPES), data.consumeRemainingAsBytes()));
    String body = "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"store\":false,\"input\":\"hi\"}";
    HttpResponse<byte[]> r = FuzzGateway.post(http, gw, "/v1/responses", body.getBytes(StandardCharsets.UTF_8),
        "authorization", "Bearer " + GatewayHarness.KEY);
    FuzzGateway.assertWellFormed(r, "error");
    if (r.statusCode() / 100 == 3) {
      throw new AssertionError("an upstream redirect reached the client as " + r.statusCode());
    }
    if (r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) {
      assertThat(r.statusCode()).isEqualTo(200);
      ResponsesAnswers.assertWellFormed(new String(r.body(), StandardCharsets.UTF_8));
    }
  }
}
