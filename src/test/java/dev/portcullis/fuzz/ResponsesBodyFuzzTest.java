package dev.portcullis.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;

/**
 * Hostile bodies on the Responses API: whatever bytes a key holder sends to {@code /v1/responses}
 * or its {@code input_tokens}, the answer is a well-formed success (a JSON response, or a stream an
 * SDK can read to its end) or an OpenAI-shaped error, never a 500 or a hang. The demo provider
 * answers what gets through (translated to chat), responses are kept, and the guard is on, so
 * item checks, translation, previous_response_id lookups, the guard and the recorder all see it.
 */
class ResponsesBodyFuzzTest {
  private static final String[] PATHS = {"/v1/responses", "/v1/responses/input_tokens"};
  private static GatewayHarness gw;
  private static HttpClient http;

  private static synchronized void start() throws Exception {
    if (gw == null) {
      gw = GatewayHarness.start("""
          server: { max_body_bytes: 65536, max_json_depth: 64 }
          models:
            demo:
              deployments: [{ type: demo }]
          store:
            url: jdbc:sqlite:%s/p.db
          guard:
            rules:
              - { name: pii, detectors: [pii], action: redact, direction: both }
          """.formatted(Files.createTempDirectory("responses-fuzz")));
      http = FuzzGateway.client();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
      gw = null;
    }
  }

  @FuzzTest(maxDuration = "20s")
  void anyResponsesBodyGetsAWellFormedAnswer(FuzzedDataProvider data) throws Exception {
    try (var allowed = FuzzGateway.loopbackOnly()) {
      check(data);
    }
  }

  private void check(FuzzedDataProvider data) throws Exception {
    start();
    String path = data.pickValue(PATHS);
    HttpResponse<byte[]> r = FuzzGateway.post(http, gw, path, data.consumeRemainingAsBytes(),
        "authorization", "Bearer " + GatewayHarness.KEY);
    FuzzGateway.assertWellFormed(r, "error");
    if (r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) {
      ResponsesAnswers.assertWellFormed(new String(r.body(), StandardCharsets.UTF_8));
    }
  }
}
