package dev.portcullis.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;

/**
 * Hostile request bodies on the LLM surfaces: whatever bytes a key holder sends, the answer is a
 * well-formed success or an error in that surface's shape (OpenAI's or Anthropic's), never a
 * 500 or a hang. The demo provider answers whatever gets through, the guard and a persona-free
 * key path are on, so the parse, validation, guard and routing code all see the input.
 */
class ClientBodyFuzzTest {
  private static final String[] PATHS = {"/v1/chat/completions", "/v1/embeddings", "/v1/messages",
      "/v1/messages/count_tokens"};
  private static GatewayHarness gw;
  private static HttpClient http;

  private static synchronized void start() throws Exception {
    if (gw == null) {
      gw = GatewayHarness.start("""
          server: { max_body_bytes: 65536, max_json_depth: 64 }
          models:
            demo:
              deployments: [{ type: demo }]
          guard:
            rules:
              - { name: pii, detectors: [pii], action: redact, direction: both }
          """);
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
  void anyBodyGetsAWellFormedAnswer(FuzzedDataProvider data) throws Exception {
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
  }
}
