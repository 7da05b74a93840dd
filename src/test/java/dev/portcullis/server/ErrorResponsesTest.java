package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.testing.GatewayHarness;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every refusal on the OpenAI surface: the right status, OpenAI's error shape, and a request id. */
class ErrorResponsesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayHarness.start("""
        server:
          max_body_bytes: 2048
          max_json_depth: 16
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

  /** Asserts the status and OpenAI's {"error":{"message","type","param","code"}}; returns the error. */
  static JsonNode openAiError(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
    assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).matches("req_[0-9a-f]{24}"));
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.size()).isEqualTo(1);
    JsonNode e = body.get("error");
    assertThat(e).isNotNull();
    assertThat(e.get("message").isTextual()).isTrue();
    assertThat(e.get("message").asText()).isNotBlank();
    assertThat(e.get("type").isTextual()).isTrue();
    assertThat(e.has("param")).isTrue();
    assertThat(e.has("code")).isTrue();
    return e;
  }

  @Test
  void badJsonIs400() throws Exception {
    JsonNode e = openAiError(gw.post("/v1/chat/completions", "{\"model\": \"demo\", \"messages\": ["), 400);
    assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
    assertThat(e.get("code").asText()).isEqualTo("invalid_json");
  }

  @Test
  void emptyAndNonObjectBodiesAre400() throws Exception {
    assertThat(openAiError(gw.post("/v1/chat/completions", ""), 400).get("message").asText()).contains("empty");
    assertThat(openAiError(gw.post("/v1/chat/completions", "[1,2]"), 400).get("message").asText())
        .contains("JSON object");
  }

  @Test
  void missingModelIs400() throws Exception {
    JsonNode e = openAiError(gw.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 400);
    assertThat(e.get("param").asText()).isEqualTo("model");
    assertThat(e.get("message").asText()).contains("model");

    assertThat(openAiError(gw.post("/v1/chat/completions", "{\"model\":42,\"messages\":[]}"), 400)
        .get("param").asText()).isEqualTo("model");
  }

  @Test
  void unknownModelIs404ModelNotFound() throws Exception {
    JsonNode e = openAiError(gw.post("/v1/chat/completions",
        "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 404);
    assertThat(e.get("code").asText()).isEqualTo("model_not_found");
    assertThat(e.get("message").asText()).contains("gpt-9");

    openAiError(gw.post("/v1/embeddings", "{\"model\":\"gpt-9\",\"input\":\"x\"}"), 404);

    assertThatThrownBy(() -> gw.openAi().chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-9").addUserMessage("x").build()))
        .isInstanceOfSatisfying(NotFoundException.class, ex -> assertThat(ex.code()).hasValue("model_not_found"));
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    String big = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(3000) + "\"}]}";
    JsonNode e = openAiError(gw.post("/v1/chat/completions", big), 413);
    assertThat(e.get("message").asText()).contains("2048");

    // Without a Content-Length (chunked), the limit holds as the body streams in.
    HttpResponse<String> chunked = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
        .header("authorization", "Bearer " + GatewayHarness.KEY)
        .POST(HttpRequest.BodyPublishers.ofInputStream(
            () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))).build());
    openAiError(chunked, 413);

    // A body just under the limit still goes through.
    String fits = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(1800) + "\"}]}";
    assertThat(gw.post("/v1/chat/completions", fits).statusCode()).isEqualTo(200);
  }

  @Test
  void jsonDeeperThanTheLimitIs400() throws Exception {
    String deep = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"extra\":"
        + "[".repeat(40) + "]".repeat(40) + "}";
    JsonNode e = openAiError(gw.post("/v1/chat/completions", deep), 400);
    assertThat(e.get("code").asText()).isEqualTo("json_too_deep");
    assertThat(e.get("message").asText()).contains("server.max_json_depth").doesNotContain("StreamReadConstraints");

    String shallow = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"extra\":"
        + "[".repeat(5) + "]".repeat(5) + "}";
    assertThat(gw.post("/v1/chat/completions", shallow).statusCode()).isEqualTo(200);
  }

  @Test
  void missingOrWrongKeyIs401() throws Exception {
    HttpRequest.Builder noKey = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"messages\":[]}"));
    JsonNode missing = openAiError(gw.send(noKey.build()), 401);
    assertThat(missing.get("code").asText()).isEqualTo("invalid_api_key");
    assertThat(missing.get("message").asText()).contains("didn't provide");

    JsonNode wrong = openAiError(gw.send(noKey.copy().header("authorization", "Bearer not-the-key").build()), 401);
    assertThat(wrong.get("code").asText()).isEqualTo("invalid_api_key");
    assertThat(wrong.get("message").asText()).doesNotContain("not-the-key").doesNotContain(GatewayHarness.KEY);

    openAiError(gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/models")).GET().build()), 401);

    // x-api-key is accepted as the credential too.
    assertThat(gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/models"))
        .header("x-api-key", GatewayHarness.KEY).GET().build()).statusCode()).isEqualTo(200);

    var wrongSdk = OpenAIOkHttpClient.builder().baseUrl(gw.baseUrl() + "/v1").apiKey("wrong").maxRetries(0).build();
    assertThatThrownBy(() -> wrongSdk.models().list())
        .isInstanceOfSatisfying(UnauthorizedException.class, ex -> assertThat(ex.code()).hasValue("invalid_api_key"));
  }

  @Test
  void unknownUrlIs404() throws Exception {
    JsonNode get = openAiError(gw.get("/v1/assistants"), 404);
    assertThat(get.get("code").asText()).isEqualTo("unknown_url");
    assertThat(get.get("message").asText()).contains("/v1/assistants");
    openAiError(gw.post("/v1/completions/legacy", "{}"), 404);
    openAiError(gw.get("/not-a-route"), 404);
  }

  @Test
  void upstreamValidationErrorsKeepTheirShapeThroughTheSdk() {
    // The demo provider refuses an empty messages list with a 400 that the gateway relays.
    assertThatThrownBy(() -> gw.openAi().chat().completions().create(ChatCompletionCreateParams.builder()
        .model("demo").messages(java.util.List.of()).build()))
        .isInstanceOfSatisfying(BadRequestException.class,
            ex -> assertThat(ex.getMessage()).contains("messages"));
  }
}
