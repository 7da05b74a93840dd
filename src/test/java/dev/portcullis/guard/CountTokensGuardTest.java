package dev.portcullis.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.wire.FakeProvider;
import dev.portcullis.llm.wire.anthropic.FakeAnthropicAccess;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Counting tokens is a request to the provider too: on an Anthropic deployment
 * {@code /v1/messages/count_tokens} is forwarded to Anthropic, so what the guard keeps from the
 * provider on {@code /v1/messages} (a secret: blocked; personal data: redacted) is kept from it
 * here as well.
 */
class CountTokensGuardTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EMAIL = GuardLlmSdkTest.EMAIL;
  private static final String TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
  private static FakeProvider anthropic;
  private static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    anthropic = FakeAnthropicAccess.start();
    gw = GatewayHarness.start("""
        models:
          claude:
            deployments:
              - { type: anthropic, base_url: %s, api_key: %s }
        guard:
          rules:
            - { name: no-secrets, detectors: [secrets], action: block }
            - { name: redact-pii, detectors: [pii], action: redact }
        """.formatted(anthropic.baseUrl(), FakeAnthropicAccess.UPSTREAM_KEY));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    anthropic.close();
  }

  @Test
  void personalDataIsRedactedBeforeTheCountGoesUpstream() throws Exception {
    HttpResponse<String> r = gw.post("/v1/messages/count_tokens", "{\"model\":\"claude\",\"system\":\"Reply to "
        + EMAIL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Mail " + EMAIL + "\"}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).path("input_tokens").asLong()).isPositive();
    assertThat(anthropic.last().path()).isEqualTo("/v1/messages/count_tokens");
    assertThat(anthropic.last().body().toString()).doesNotContain(EMAIL).contains("Mail [EMAIL_1]");
  }

  @Test
  void aSecretIsRefusedAndNothingIsCounted() throws Exception {
    int before = anthropic.received().size();
    HttpResponse<String> r = gw.post("/v1/messages/count_tokens", "{\"model\":\"claude\",\"messages\":[{\"role\":"
        + "\"user\",\"content\":\"my token is " + TOKEN + "\"}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("type").asText()).isEqualTo("error");
    assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("no-secrets").doesNotContain(TOKEN);
    assertThat(anthropic.received()).hasSize(before);
  }
}
