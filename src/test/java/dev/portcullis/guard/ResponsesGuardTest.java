package dev.portcullis.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guard on {@code /v1/responses}: what reaches the provider has no e-mail address (it is
 * pseudonymised), the client gets it back in plain and streamed answers, translated to chat
 * (the chat echo streams 3-character pieces that split placeholders) and passed through to an
 * OpenAI upstream; a secret is refused before anything is sent.
 */
class ResponsesGuardTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EMAIL = GuardLlmSdkTest.EMAIL;
  private static FakeOpenAiUpstream chat;
  private static FakeOpenAiUpstream responses;
  private static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    chat = FakeOpenAiUpstream.start();
    chat.otherwise(GuardLlmSdkTest::echoBehaviour);
    responses = FakeOpenAiUpstream.start();
    responses.otherwise(FakeOpenAiUpstream.responses(body -> "Noted: " + lastText(body)));
    gw = GatewayHarness.start("""
        models:
          gpt-chat:
            deployments:
              - type: openai_compatible
                base_url: %s
          gpt-native:
            deployments:
              - type: openai
                base_url: %s
        guard:
          rules:
            - name: no-secrets
              models: ["gpt-*"]
              detectors: [secrets]
              action: block
            - name: pseudonymise-pii
              surfaces: [llm]
              models: ["gpt-*"]
              detectors: [pii]
              action: pseudonymise
        """.formatted(chat.baseUrl(), responses.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    chat.close();
    responses.close();
  }

  private static String lastText(JsonNode body) {
    JsonNode input = body.path("input");
    JsonNode last = input.isArray() ? input.get(input.size() - 1) : input;
    return last.isTextual() ? last.textValue() : last.path("content").isTextual() ? last.path("content").textValue()
        : last.path("content").path(0).path("text").asText();
  }

  private static String streamedText(String sse) throws Exception {
    StringBuilder text = new StringBuilder();
    String done = null;
    for (String block : sse.split("\n\n")) {
      String data = block.substring(block.indexOf("data: ") + 6);
      JsonNode e = JSON.readTree(data);
      switch (e.path("type").asText()) {
        case "response.output_text.delta" -> text.append(e.path("delta").asText());
        case "response.completed" -> done = e.at("/response/output/0/content/0/text").asText();
        default -> { }
      }
    }
    assertThat(done).isEqualTo(text.toString());
    return text.toString();
  }

  @Test
  void translatedAnswersGetThePseudonymisedValueBack() throws Exception {
    HttpResponse<String> plain = gw.post("/v1/responses",
        "{\"model\":\"gpt-chat\",\"input\":\"Mail " + EMAIL + " today\",\"store\":false}");
    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    assertThat(chat.last().body().toString()).doesNotContain(EMAIL);
    assertThat(JSON.readTree(plain.body()).at("/output/0/content/0/text").asText()).isEqualTo("Noted: Mail " + EMAIL
        + " today");

    HttpResponse<String> streamed = gw.post("/v1/responses", "{\"model\":\"gpt-chat\",\"stream\":true,\"store\":false,"
        + "\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Write to " + EMAIL + "\"}]}]}");
    assertThat(chat.last().body().toString()).doesNotContain(EMAIL);
    // the chat echo repeats the message's parts as JSON
    assertThat(streamedText(streamed.body())).startsWith("Noted: ").contains("Write to " + EMAIL);
  }

  @Test
  void passedThroughAnswersGetThePseudonymisedValueBack() throws Exception {
    HttpResponse<String> plain = gw.post("/v1/responses",
        "{\"model\":\"gpt-native\",\"instructions\":\"Reply to " + EMAIL + "\",\"input\":\"Mail " + EMAIL + "\"}");
    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    assertThat(responses.last().body().toString()).doesNotContain(EMAIL);
    assertThat(JSON.readTree(plain.body()).at("/output/0/content/0/text").asText()).isEqualTo("Noted: Mail " + EMAIL);

    HttpResponse<String> streamed = gw.post("/v1/responses",
        "{\"model\":\"gpt-native\",\"stream\":true,\"input\":\"Please mail " + EMAIL + " now\"}");
    assertThat(responses.last().body().toString()).doesNotContain(EMAIL);
    assertThat(streamedText(streamed.body())).isEqualTo("Noted: Please mail " + EMAIL + " now");
  }

  @Test
  void aSecretIsRefusedBeforeAnythingIsSent() throws Exception {
    int before = chat.attempts();
    HttpResponse<String> r = gw.post("/v1/responses",
        "{\"model\":\"gpt-chat\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c1\","
            + "\"output\":\"token ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\"}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("guard_blocked");
    assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("GITHUB_TOKEN", "no-secrets");
    assertThat(chat.attempts()).isEqualTo(before);
  }
}
