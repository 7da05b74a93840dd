package dev.portcullis.llm.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.wire.FakeProvider.Received;
import dev.portcullis.llm.wire.FakeProvider.Reply;
import dev.portcullis.testing.GatewayHarness;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/**
 * Gemini and Bedrock answers that break their wire format become the OpenAI surface's 502
 * {@code upstream_invalid_response}, or its error event once the client stream began; never a
 * relayed 200 or a stream that ends as if complete.
 */
class BrokenProviderAnswersTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final AtomicReference<Function<Received, Reply>> answer = new AtomicReference<>();
  static FakeProvider fake;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeProvider(r -> answer.get().apply(r));
    gw = GatewayHarness.start("""
        router: { max_attempts: 1, cooldown_failures: 1000 }
        models:
          gemini:
            deployments:
              - { type: gemini, base_url: %1$s/v1beta, api_key: g, model: gemini-2.5-flash }
          bedrock:
            deployments:
              - { type: bedrock, base_url: %1$s, region: us-east-1, access_key_id: AKIAEXAMPLE,
                  secret_access_key: secret, model: "anthropic.claude-3-5-sonnet-20240620-v1:0" }
        """.formatted(fake.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    fake.close();
  }

  @Test
  void geminiAnswerWithoutCandidatesIsInvalid() throws Exception {
    for (String body : List.of("[]", "{\"candidates\":\"none\"}", "{\"usageMetadata\":{}}", "{\"candidates\":[")) {
      answer.set(r -> Reply.json(200, body));
      assertInvalid(gw.post("/v1/chat/completions", chat("gemini", false)), body);
    }
  }

  @Test
  void geminiEmbeddingsWithoutEmbeddingsAreInvalid() throws Exception {
    answer.set(r -> Reply.json(200, "{\"embedding\":{\"values\":[0.1]}}"));
    assertInvalid(gw.post("/v1/embeddings", "{\"model\":\"gemini\",\"input\":\"hi\"}"), "single embedding");
  }

  @Test
  void geminiStreamWithANonJsonEventEndsWithAnErrorEvent() throws Exception {
    answer.set(r -> Reply.sse("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}],\"role\":"
        + "\"model\"},\"index\":0}],\"responseId\":\"r1\"}\r\n\r\n" + "data: {\"candidates\": oops\r\n\r\n"));

    HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gemini", true));

    assertThat(r.body()).contains("Hel").doesNotContain("[DONE]");
    assertThat(lastData(r.body()).path("error").path("code").asText()).isEqualTo("upstream_invalid_response");
  }

  @Test
  void bedrockConverseWithoutOutputMessageIsInvalid() throws Exception {
    answer.set(r -> Reply.json(200, "{\"output\":{},\"stopReason\":\"end_turn\"}"));
    assertInvalid(gw.post("/v1/chat/completions", chat("bedrock", false)), "no output.message");
  }

  @Test
  void bedrockStreamAnsweredAsJsonIsInvalid() throws Exception {
    answer.set(r -> Reply.json(200, "{\"message\":\"stream unavailable\"}"));
    assertInvalid(gw.post("/v1/chat/completions", chat("bedrock", true)), "JSON instead of frames");
  }

  @Test
  void bedrockFrameFailingItsChecksumEndsTheStreamWithAnErrorEvent() throws Exception {
    byte[] start = frame("messageStart", "{\"role\":\"assistant\"}");
    byte[] delta = frame("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hel\"}}");
    byte[] corrupt = frame("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"lo\"}}");
    corrupt[corrupt.length - 6] ^= 0x20; // a payload byte: the message CRC no longer matches
    answer.set(r -> new Reply(200, "application/vnd.amazon.eventstream", List.of(Buffer.buffer(start),
        Buffer.buffer(delta), Buffer.buffer(corrupt)), MultiMap.caseInsensitiveMultiMap()));

    HttpResponse<String> r = gw.post("/v1/chat/completions", chat("bedrock", true));

    assertThat(r.body()).contains("Hel").doesNotContain("[DONE]");
    assertThat(lastData(r.body()).path("error").path("code").asText()).isEqualTo("upstream_invalid_response");
  }

  private static void assertInvalid(HttpResponse<String> r, String what) throws Exception {
    assertThat(r.statusCode()).as(what).isEqualTo(502);
    JsonNode err = JSON.readTree(r.body()).path("error");
    assertThat(err.path("code").asText()).as(what).isEqualTo("upstream_invalid_response");
  }

  private static String chat(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  private static JsonNode lastData(String sse) throws Exception {
    String[] lines = sse.strip().split("\n");
    String last = lines[lines.length - 1];
    assertThat(last).startsWith("data: ");
    return JSON.readTree(last.substring(6));
  }

  private static byte[] frame(String eventType, String payload) {
    Map<String, HeaderValue> headers = new LinkedHashMap<>();
    headers.put(":event-type", HeaderValue.fromString(eventType));
    headers.put(":content-type", HeaderValue.fromString("application/json"));
    headers.put(":message-type", HeaderValue.fromString("event"));
    ByteBuffer bb = new Message(headers, payload.getBytes(StandardCharsets.UTF_8)).toByteBuffer();
    byte[] bytes = new byte[bb.remaining()];
    bb.get(bytes);
    return bytes;
  }
}
