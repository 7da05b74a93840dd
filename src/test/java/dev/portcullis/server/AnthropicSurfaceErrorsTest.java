package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Refusals the router itself makes on /v1/messages still come in Anthropic's error shape. */
class AnthropicSurfaceErrorsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayHarness.start("""
        server:
          max_body_bytes: 1000
        models:
          demo:
            deployments:
              - type: demo
        """);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  @Test
  void bodyOverTheLimitIs413InAnthropicShape() throws Exception {
    String big = "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\""
        + "x".repeat(2000) + "\"}]}";
    HttpResponse<String> r = gw.post("/v1/messages", big);
    assertThat(r.statusCode()).isEqualTo(413);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("request_too_large");
    assertThat(body.path("error").path("message").asText()).contains("1000 bytes");
  }

  @Test
  void unknownMessagesPathIs404InAnthropicShape() throws Exception {
    HttpResponse<String> r = gw.post("/v1/messages/batches-unknown", "{}");
    assertThat(r.statusCode()).isEqualTo(404);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("not_found_error");
  }

  @Test
  void openAiRoutesKeepOpenAiShape() throws Exception {
    HttpResponse<String> r = gw.post("/v1/unknown", "{}");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(r.body()).path("error").path("code").asText()).isEqualTo("unknown_url");
  }
}
