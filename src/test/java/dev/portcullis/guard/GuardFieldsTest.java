package dev.portcullis.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guard's reach, through the OpenAI chat route (raw HTTP): obfuscated values (zero-width
 * characters, fullwidth at sign), a value split across two content parts, and the free-text
 * fields beyond the messages ({@code user}, {@code metadata}, tool and parameter descriptions,
 * {@code prediction.content}, an assistant's {@code refusal}), on the way up; and the
 * {@code refusal} of an answer, plain and streamed, on the way back. The fake provider records
 * what reached it.
 */
class GuardFieldsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static FakeOpenAiUpstream fake;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    gw = GatewayHarness.start("""
        models:
          gpt-guarded:
            deployments:
              - type: openai_compatible
                base_url: %s
        guard:
          rules:
            - name: redact-pii
              surfaces: [llm]
              detectors: [pii]
              action: redact
              direction: both
        """.formatted(fake.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    fake.close();
  }

  static JsonNode chat(String body) throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static String upstream() {
    return fake.last().body().toString();
  }

  @Test
  void zeroWidthAndFullwidthEmailAddressesAreRedactedWhole() throws Exception {
    fake.otherwise(FakeOpenAiUpstream.ok());
    chat("""
        {"model":"gpt-guarded","messages":[{"role":"user",
         "content":"write to maria\\u200b.silva@correio.pt and to tanaka\\uff20example.co.jp"}]}""");
    JsonNode sent = fake.last().json().path("messages").path(0).path("content");
    assertThat(sent.asText()).isEqualTo("write to [EMAIL_1] and to [EMAIL_2]");
  }

  @Test
  void digitsOfOtherScriptsAndIdeographicFullStopsDoNotHideValues() throws Exception {
    fake.otherwise(FakeOpenAiUpstream.ok());
    // 4111 1111 1111 1111 in Arabic-Indic digits; an address whose dots are ideographic full stops
    chat("""
        {"model":"gpt-guarded","messages":[{"role":"user",
         "content":"card \\u0664\\u0661\\u0661\\u0661 \\u0661\\u0661\\u0661\\u0661 \\u0661\\u0661\\u0661\\u0661 \\u0661\\u0661\\u0661\\u0661,\
         mail jan\\u3002kowalski@poczta\\u3002pl, host 10\\u30020\\u30020\\u30027"}]}""");
    JsonNode sent = fake.last().json().path("messages").path(0).path("content");
    assertThat(sent.asText()).isEqualTo("card [CREDIT_CARD_1], mail [EMAIL_1], host [IP_ADDRESS_1]");
  }

  @Test
  void anEmailAddressSplitAcrossTwoTextPartsIsRedacted() throws Exception {
    fake.otherwise(FakeOpenAiUpstream.ok());
    chat("""
        {"model":"gpt-guarded","messages":[{"role":"user","content":[
          {"type":"text","text":"please mail ola.nordmann@exam"},
          {"type":"text","text":"ple.no today"}]}]}""");
    JsonNode parts = fake.last().json().path("messages").path(0).path("content");
    assertThat(parts.path(0).path("text").asText()).isEqualTo("please mail [EMAIL_1]");
    assertThat(parts.path(1).path("text").asText()).isEqualTo(" today");
    assertThat(upstream()).doesNotContain("nordmann").doesNotContain("ple.no");
  }

  @Test
  void userMetadataDescriptionsPredictionAndRefusalAreScanned() throws Exception {
    fake.otherwise(FakeOpenAiUpstream.ok());
    chat("""
        {"model":"gpt-guarded",
         "user":"carol@example.com",
         "metadata":{"owner":"dave@example.com","tier":"gold"},
         "prediction":{"type":"content","content":"Dear erin@example.com,"},
         "tools":[{"type":"function","function":{"name":"lookup","description":"Looks up frank@example.com",
           "parameters":{"type":"object","properties":{"q":{"type":"string","description":"like gina@example.com"}}}}}],
         "messages":[
           {"role":"user","content":"hi"},
           {"role":"assistant","content":null,"refusal":"I will not write to hank@example.com"},
           {"role":"user","content":"then call +44 20 7946 0958"}]}""");
    String sent = upstream();
    assertThat(sent).doesNotContain("carol@").doesNotContain("dave@").doesNotContain("erin@")
        .doesNotContain("frank@").doesNotContain("gina@").doesNotContain("hank@").doesNotContain("7946");
    JsonNode body = fake.last().json();
    assertThat(body.path("metadata").path("tier").asText()).isEqualTo("gold");
    assertThat(body.path("tools").path(0).path("function").path("name").asText()).isEqualTo("lookup");
  }

  @Test
  void aRefusalInTheAnswerIsScannedPlainAndStreamed() throws Exception {
    String refusal = "I cannot contact ivan.petrov@example.org for you.";
    fake.otherwise((req, r) -> {
      ObjectNode out = JSON.createObjectNode().put("id", "chatcmpl-r").put("object", "chat.completion")
          .put("created", 1_700_000_000L).put("model", "gpt-guarded");
      ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
      choice.putObject("message").put("role", "assistant").putNull("content").put("refusal", refusal);
      choice.put("finish_reason", "stop");
      out.putObject("usage").put("prompt_tokens", 3).put("completion_tokens", 3).put("total_tokens", 6);
      req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(out.toString());
    });
    JsonNode plain = chat("{\"model\":\"gpt-guarded\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(plain.path("choices").path(0).path("message").path("refusal").asText())
        .isEqualTo("I cannot contact [EMAIL_1] for you.");

    fake.otherwise((req, r) -> {
      HttpServerResponse resp = req.response().setChunked(true)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream");
      for (int i = 0; i < refusal.length(); i += 4) {
        ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-r").put("object", "chat.completion.chunk")
            .put("created", 1_700_000_000L).put("model", "gpt-guarded");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.putObject("delta").put("refusal", refusal.substring(i, Math.min(refusal.length(), i + 4)));
        choice.putNull("finish_reason");
        resp.write("data: " + c + "\n\n");
      }
      ObjectNode end = JSON.createObjectNode().put("id", "chatcmpl-r").put("object", "chat.completion.chunk")
          .put("created", 1_700_000_000L).put("model", "gpt-guarded");
      end.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop").putObject("delta");
      resp.write("data: " + end + "\n\n");
      resp.end("data: [DONE]\n\n");
    });
    HttpResponse<String> r = gw.post("/v1/chat/completions",
        "{\"model\":\"gpt-guarded\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    StringBuilder streamed = new StringBuilder();
    for (String line : r.body().split("\n")) {
      if (line.startsWith("data: {")) {
        JsonNode delta = JSON.readTree(line.substring(6)).path("choices").path(0).path("delta");
        streamed.append(delta.path("refusal").asText(""));
      }
    }
    assertThat(streamed.toString()).isEqualTo("I cannot contact [EMAIL_1] for you.");
    assertThat(r.body()).doesNotContain("petrov");
  }

  @Test
  void anthropicTextBlocksToolDescriptionsAndUserIdAreScanned() throws Exception {
    fake.otherwise(FakeOpenAiUpstream.ok());
    HttpResponse<String> r = gw.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(gw.baseUrl() + "/v1/messages"))
        .header("x-api-key", GatewayHarness.KEY).header("anthropic-version", "2023-06-01")
        .header("content-type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("""
            {"model":"gpt-guarded","max_tokens":64,
             "metadata":{"user_id":"carol@example.com"},
             "system":"You help lena.k@posteo.de",
             "tools":[{"name":"lookup","description":"Looks up frank@example.com",
               "input_schema":{"type":"object","properties":{"q":{"type":"string","description":"like gina@example.com"}}}}],
             "messages":[{"role":"user","content":[
               {"type":"text","text":"please mail ola.nordmann@exam"},
               {"type":"text","text":"ple.no today"}]}]}""")).build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(upstream()).doesNotContain("carol@").doesNotContain("lena.k@").doesNotContain("frank@")
        .doesNotContain("gina@").doesNotContain("nordmann").doesNotContain("ple.no").contains("[EMAIL_");
  }
}
