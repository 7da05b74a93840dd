package dev.portcullis.llm.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/responses} through the router and the limits: Azure's Responses URL and key, a
 * translated stream that breaks ending in {@code response.failed}, an upstream's refusal relayed
 * in OpenAI's error shape, and a persona's request limit refusing the Responses API as it
 * refuses chat completions.
 */
class ResponsesRoutingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static FakeOpenAiUpstream fake;
  private static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    gw = GatewayHarness.start("""
        models:
          azure-model:
            deployments:
              - type: azure
                base_url: %s
                deployment: my-gpt
                api_version: "2024-10-21"
                api_key: azure-secret
          compat:
            deployments:
              - type: openai_compatible
                base_url: %s
          demo:
            deployments:
              - type: demo
        clients:
          keys: [test-key]
        store:
          url: jdbc:sqlite:%s/p.db
        personas:
          one-a-minute:
            models: [demo]
            keys: [config-key-1]
            limits: { rpm: 1 }
          few-tokens:
            models: [demo]
            keys: [config-key-1]
            limits: { tpm: 500 }
        """.formatted(fake.rootUrl(), fake.baseUrl(), Files.createTempDirectory("responses-routing")));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    fake.close();
  }

  @Test
  void azureGetsItsV1ResponsesUrlTheDeploymentAsModelAndItsKey() throws Exception {
    fake.enqueue(FakeOpenAiUpstream.responses("From Azure."));
    HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"azure-model\",\"input\":\"hi\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).at("/output/0/content/0/text").asText()).isEqualTo("From Azure.");
    FakeOpenAiUpstream.Received sent = fake.last();
    assertThat(sent.uri()).isEqualTo("/openai/v1/responses");
    assertThat(sent.headers().get("api-key")).isEqualTo("azure-secret");
    assertThat(sent.headers().get("authorization")).isNull();
    assertThat(sent.json().path("model").asText()).isEqualTo("my-gpt");
    assertThat(sent.json().has("stream_options")).isFalse();
  }

  @Test
  void aBrokenTranslatedStreamEndsWithResponseFailed() throws Exception {
    fake.enqueue(FakeOpenAiUpstream.cutStream(2));
    HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"compat\",\"input\":\"hi\",\"stream\":true}");
    assertThat(r.statusCode()).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    for (String block : r.body().split("\n\n")) {
      events.add(JSON.readTree(block.substring(block.indexOf("data: ") + 6)));
    }
    JsonNode last = events.get(events.size() - 1);
    assertThat(last.path("type").asText()).isEqualTo("response.failed");
    assertThat(last.at("/response/status").asText()).isEqualTo("failed");
    assertThat(last.at("/response/error/code").asText()).isNotEmpty();
    assertThat(last.at("/response/error/message").asText()).contains("compat");
    assertThat(last.at("/response/id").asText()).isEqualTo(events.get(0).at("/response/id").asText());
    assertThat(events).extracting(e -> e.path("sequence_number").asInt())
        .isEqualTo(java.util.stream.IntStream.range(0, events.size()).boxed().toList());
    assertThat(events).extracting(e -> e.path("type").asText()).contains("response.output_text.delta")
        .doesNotContain("response.completed");
  }

  @Test
  void anUpstreamRefusalIsRelayedInOpenAisShape() throws Exception {
    fake.enqueue(FakeOpenAiUpstream.error(400, "invalid_request_error", "context_length_exceeded",
        "This model's maximum context length is 8 tokens."));
    HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"compat\",\"input\":\"hi\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("context_length_exceeded");
  }

  @Test
  void aPersonasRequestLimitAppliesToTheResponsesApi() throws Exception {
    HttpRequest.Builder asPersona = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/responses"))
        .header("authorization", "Bearer test-key").header("content-type", "application/json")
        .header("x-portcullis-persona", "one-a-minute");
    String body = "{\"model\":\"demo\",\"input\":\"hi\",\"store\":false}";
    HttpResponse<String> first = gw.send(asPersona.copy().POST(HttpRequest.BodyPublishers.ofString(body)).build());
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    HttpResponse<String> second = gw.send(asPersona.copy().POST(HttpRequest.BodyPublishers.ofString(body)).build());
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(second.body()).at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(JSON.readTree(second.body()).at("/error/message").asText()).contains("one-a-minute");
    assertThat(second.headers().firstValue("retry-after")).isPresent();
  }

  @Test
  void aPersonasTokenLimitCountsMaxOutputTokensAndTheInputItems() throws Exception {
    HttpRequest.Builder asPersona = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/responses"))
        .header("authorization", "Bearer test-key").header("content-type", "application/json")
        .header("x-portcullis-persona", "few-tokens");
    // max_output_tokens is what the limits reserve for the answer, as max_tokens on chat
    HttpResponse<String> tooLong = gw.send(asPersona.copy().POST(HttpRequest.BodyPublishers.ofString(
        "{\"model\":\"demo\",\"input\":\"hi\",\"max_output_tokens\":5000,\"store\":false}")).build());
    assertThat(tooLong.statusCode()).as(tooLong.body()).isEqualTo(429);
    assertThat(JSON.readTree(tooLong.body()).at("/error/type").asText()).isEqualTo("tokens");
    // the prompt is counted from the input items (message text parts), not from a messages array
    String longText = "word ".repeat(800);
    HttpResponse<String> tooLongInput = gw.send(asPersona.copy().POST(HttpRequest.BodyPublishers.ofString(
        "{\"model\":\"demo\",\"max_output_tokens\":16,\"store\":false,\"input\":[{\"role\":\"user\","
            + "\"content\":[{\"type\":\"input_text\",\"text\":\"" + longText + "\"}]}]}")).build());
    assertThat(tooLongInput.statusCode()).as(tooLongInput.body()).isEqualTo(429);
    HttpResponse<String> fits = gw.send(asPersona.copy().POST(HttpRequest.BodyPublishers.ofString(
        "{\"model\":\"demo\",\"input\":\"hi\",\"max_output_tokens\":16,\"store\":false}")).build());
    assertThat(fits.statusCode()).as(fits.body()).isEqualTo(200);
  }
}
