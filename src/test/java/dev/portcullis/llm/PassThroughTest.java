package dev.portcullis.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the upstream receives: the client's request unchanged (apart from the changes the
 * gateway must make), the deployment's credential instead of the client's, and the right URL.
 */
class PassThroughTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static FakeOpenAiUpstream fake;
  static GatewayHarness gw;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    gw = GatewayHarness.start("""
        models:
          gpt-test:
            deployments:
              - type: openai_compatible
                base_url: %1$s
                api_key: upstream-secret
          no-key:
            deployments:
              - type: openai_compatible
                base_url: %1$s
          renamed:
            deployments:
              - type: openai_compatible
                base_url: %1$s
                model: real-model-v2
          no-stream-usage:
            deployments:
              - type: openai_compatible
                base_url: %1$s
                stream_usage: false
          azure-model:
            deployments:
              - type: azure
                base_url: %2$s
                deployment: my-gpt
                api_version: "2024-10-21"
                api_key: azure-secret
        """.formatted(fake.baseUrl(), fake.rootUrl()));
    client = gw.openAi();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    fake.close();
  }

  @BeforeEach
  void resetScript() {
    fake.otherwise(FakeOpenAiUpstream.ok());
  }

  @Test
  void requestBytesReachTheUpstreamUnchanged() throws Exception {
    String body = "{ \"model\": \"gpt-test\",\n"
        + "  \"messages\": [{\"role\":\"user\",\"content\":\"Grüß dich \\u2603\"}],\n"
        + "  \"tools\": [{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"strict\":true,"
        + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}],\n"
        + "  \"tool_choice\": {\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},\n"
        + "  \"response_format\": {\"type\":\"json_object\"},\n"
        + "  \"n\": 2, \"logprobs\": true, \"top_logprobs\": 3, \"temperature\": 0.25,\n"
        + "  \"future_param\": {\"nested\": [1, 2.50, null, \"x\"]}, \"x_vendor_flag\": false }";

    HttpResponse<String> r = gw.post("/v1/chat/completions", body);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(fake.last().body().toString(StandardCharsets.UTF_8)).isEqualTo(body);
    assertThat(fake.last().json()).isEqualTo(JSON.readTree(body));
  }

  @Test
  void sdkRequestWithEveryFeatureIsForwardedByteForByte() throws Exception {
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
        .model("gpt-test")
        .addSystemMessage("Be brief.")
        .addUserMessage("Weather in Paris?")
        .addFunctionTool(FunctionDefinition.builder().name("get_weather").description("Current weather")
            .parameters(FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                .build())
            .build())
        .toolChoice(ChatCompletionNamedToolChoice.builder()
            .function(ChatCompletionNamedToolChoice.Function.builder().name("get_weather").build()).build())
        .responseFormat(ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
            .name("answer").schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                .putAdditionalProperty("type", JsonValue.from("object")).build()).build()).build())
        .n(2)
        .logprobs(true)
        .topLogprobs(2)
        .putAdditionalBodyProperty("portcullis_unknown_field", JsonValue.from(Map.of("keep", List.of(1, "two"))))
        .build();
    // What the SDK sends when it talks to the provider directly...
    OpenAIClient direct = OpenAIOkHttpClient.builder().baseUrl(fake.baseUrl()).apiKey("direct").maxRetries(0).build();
    direct.chat().completions().create(params);
    String sentDirectly = fake.last().body().toString(StandardCharsets.UTF_8);

    // ...is exactly what the provider gets through the gateway.
    client.chat().completions().create(params);

    String viaGateway = fake.last().body().toString(StandardCharsets.UTF_8);
    assertThat(viaGateway).isEqualTo(sentDirectly);
    JsonNode got = fake.last().json();
    assertThat(got.get("tools").get(0).get("function").get("name").asText()).isEqualTo("get_weather");
    assertThat(got.get("tool_choice").get("function").get("name").asText()).isEqualTo("get_weather");
    assertThat(got.get("response_format").get("type").asText()).isEqualTo("json_schema");
    assertThat(got.get("n").asInt()).isEqualTo(2);
    assertThat(got.get("logprobs").asBoolean()).isTrue();
    assertThat(got.get("portcullis_unknown_field")).isEqualTo(JSON.readTree("{\"keep\":[1,\"two\"]}"));
  }

  @Test
  void clientGatewayKeyIsNeverForwarded() throws Exception {
    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
        .header("authorization", "Bearer " + GatewayHarness.KEY)
        .header("x-api-key", GatewayHarness.KEY)
        .header("api-key", GatewayHarness.KEY)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build());
    assertThat(r.statusCode()).isEqualTo(200);

    var headers = fake.last().headers();
    assertThat(headers.get("authorization")).isEqualTo("Bearer upstream-secret");
    assertNoHeaderCarries(headers, GatewayHarness.KEY);

    // A deployment without a key of its own sends no credential at all, certainly not the client's.
    assertThat(gw.post("/v1/chat/completions",
        "{\"model\":\"no-key\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
    assertThat(fake.last().headers().contains("authorization")).isFalse();
    assertNoHeaderCarries(fake.last().headers(), GatewayHarness.KEY);
  }

  private static void assertNoHeaderCarries(io.vertx.core.MultiMap headers, String secret) {
    for (Map.Entry<String, String> h : headers) {
      assertThat(h.getValue()).as("upstream header " + h.getKey()).doesNotContain(secret);
    }
  }

  @Test
  void azureDeploymentGetsItsUrlAndApiKeyHeader() {
    var c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("azure-model").addUserMessage("hi").build());
    assertThat(c.choices().get(0).message().content()).contains("Hello from the fake.");

    var got = fake.last();
    assertThat(got.method()).isEqualTo("POST");
    assertThat(got.uri()).isEqualTo("/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21");
    assertThat(got.headers().get("api-key")).isEqualTo("azure-secret");
    assertThat(got.headers().contains("authorization")).isFalse();
    assertNoHeaderCarries(got.headers(), GatewayHarness.KEY);

    client.embeddings().create(com.openai.models.embeddings.EmbeddingCreateParams.builder()
        .model("azure-model").input("x").build());
    assertThat(fake.last().uri()).isEqualTo("/openai/deployments/my-gpt/embeddings?api-version=2024-10-21");
  }

  @Test
  void openAiCompatibleDeploymentGetsTheV1Path() {
    client.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-test").addUserMessage("hi").build());
    assertThat(fake.last().uri()).isEqualTo("/v1/chat/completions");
  }

  @Test
  void streamAsksUpstreamForUsageButHidesItFromAClientThatDidNotAsk() throws Exception {
    fake.otherwise(FakeOpenAiUpstream.stream(3));
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-test")
        .addUserMessage("count").temperature(0.5).build();

    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
      chunks = s.stream().collect(Collectors.toList());
    }

    JsonNode sent = fake.last().json();
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(chunks).allSatisfy(c -> assertThat(c.usage()).isEmpty());
    assertThat(chunks).allSatisfy(c -> assertThat(c.choices()).isNotEmpty());
    assertThat(chunks.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse(""))
        .collect(Collectors.joining())).isEqualTo("w0 w1 w2 ");
    // Apart from stream_options, the upstream got the client's request.
    ObjectNode withoutOptions = ((ObjectNode) sent.deepCopy());
    withoutOptions.remove("stream_options");
    assertThat(withoutOptions.get("temperature").asDouble()).isEqualTo(0.5);
    assertThat(withoutOptions.get("stream").asBoolean()).isTrue();
    assertThat(withoutOptions.get("messages").get(0).get("content").asText()).isEqualTo("count");
  }

  @Test
  void streamUsageReachesAClientThatAskedForIt() {
    fake.otherwise(FakeOpenAiUpstream.stream(2));
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-test")
        .addUserMessage("count").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
        .build();

    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
      chunks = s.stream().collect(Collectors.toList());
    }

    ChatCompletionChunk last = chunks.get(chunks.size() - 1);
    assertThat(last.choices()).isEmpty();
    assertThat(last.usage()).hasValueSatisfying(u -> {
      assertThat(u.promptTokens()).isEqualTo(7);
      assertThat(u.completionTokens()).isEqualTo(2);
      assertThat(u.totalTokens()).isEqualTo(9);
    });
  }

  @Test
  void streamToADeploymentWithStreamUsageOffIsForwardedUnchanged() throws Exception {
    fake.otherwise(FakeOpenAiUpstream.stream(1));
    String body = "{\"model\":\"no-stream-usage\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    HttpResponse<String> r = gw.post("/v1/chat/completions", body);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("data: ").endsWith("data: [DONE]\n\n");
    assertThat(fake.last().body().toString(StandardCharsets.UTF_8)).isEqualTo(body);
  }

  @Test
  void modelRenameReachesTheUpstream() {
    var c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("renamed").addUserMessage("hi").maxCompletionTokens(5).build());
    assertThat(c.choices()).hasSize(1);

    JsonNode sent = fake.last().json();
    assertThat(sent.get("model").asText()).isEqualTo("real-model-v2");
    assertThat(sent.get("max_completion_tokens").asInt()).isEqualTo(5);
    assertThat(sent.get("messages").get(0).get("content").asText()).isEqualTo("hi");
  }

  @Test
  void clientDisconnectMidStreamCancelsTheUpstreamRequest() throws Exception {
    fake.otherwise(FakeOpenAiUpstream.streamThenHang(1));
    int before = fake.attempts();
    byte[] body = "{\"model\":\"gpt-test\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"
        .getBytes(StandardCharsets.UTF_8);

    try (Socket socket = new Socket("127.0.0.1", gw.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + GatewayHarness.KEY + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      readUntil(socket.getInputStream(), "\"w0 \""); // the stream is flowing
      assertThat(fake.attempts()).isEqualTo(before + 1);
      assertThat(fake.last().connectionClosed()).isFalse();
    } // the client goes away

    await().atMost(Duration.ofSeconds(10)).until(() -> fake.last().connectionClosed());
    assertThat(fake.attempts()).as("a client that left is not retried for").isEqualTo(before + 1);
  }

  private static void readUntil(InputStream in, String marker) throws Exception {
    StringBuilder text = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      text.append((char) b);
      if (text.indexOf(marker) >= 0) {
        return;
      }
    }
    throw new AssertionError("stream ended before " + marker + ": " + text);
  }
}
