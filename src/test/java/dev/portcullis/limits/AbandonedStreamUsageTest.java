package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A stream the client walks away from is still recorded and charged for what it streamed. */
class AbandonedStreamUsageTest {
  static final String ADMIN = "admin-secret";

  FakeOpenAiUpstream fake;
  GatewayHarness gw;
  AdminClient admin;

  @BeforeEach
  void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    Path dir = Files.createTempDirectory("portcullis-abandon");
    gw = GatewayHarness.start("""
        models:
          gpt-test:
            deployments:
              - type: openai_compatible
                base_url: %s
        store:
          url: jdbc:sqlite:%s/p.db
          flush_ms: 50
        admin:
          key: %s
        pricing:
          models:
            gpt-test: { input: 1000, output: 1000 }
        """.formatted(fake.baseUrl(), dir, ADMIN));
    admin = new AdminClient(gw.baseUrl(), ADMIN);
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    fake.close();
  }

  @Test
  void abandonedStreamIsRecordedWithWhatItStreamed() throws Exception {
    fake.otherwise(FakeOpenAiUpstream.streamThenHang(2));
    String key = admin.createKey("{\"name\":\"walker\"}");

    try (StreamResponse<ChatCompletionChunk> s = gw.openAi(key).chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("gpt-test").addUserMessage("start and leave").build())) {
      Iterator<ChatCompletionChunk> it = s.stream().iterator();
      assertThat(it.next().choices().get(0).delta().content()).hasValue("w0 ");
      assertThat(it.next().choices().get(0).delta().content()).hasValue("w1 ");
    } // the client leaves while the upstream is still streaming

    await().atMost(Duration.ofSeconds(10)).until(() -> fake.last().connectionClosed());
    String id = admin.ok("GET", "/admin/keys/walker", null).get("id").asText();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode rows = admin.ok("GET", "/admin/usage?group_by=key&key=" + id, null).get("data");
      assertThat(rows).hasSize(1);
      assertThat(rows.get(0).get("requests").asLong()).isEqualTo(1);
      assertThat(rows.get(0).get("prompt_tokens").asLong()).isPositive();
      assertThat(rows.get(0).get("completion_tokens").asLong()).as("tokens streamed before the client left")
          .isPositive();
      assertThat(rows.get(0).get("cost_usd").asDouble()).isPositive();
    });
    assertThat(gw.get("/metrics").body()).containsPattern("portcullis_llm_requests_total\\{[^}]*status=\"499\"");
  }
}
