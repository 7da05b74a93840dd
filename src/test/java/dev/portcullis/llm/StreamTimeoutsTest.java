package dev.portcullis.llm;

import static dev.portcullis.testing.FakeOpenAiUpstream.hang;
import static dev.portcullis.testing.FakeOpenAiUpstream.streamThenHang;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Timeouts on streamed requests: before the first byte they retry, after it they end the stream. */
class StreamTimeoutsTest {
  static final ChatCompletionCreateParams HELLO = ChatCompletionCreateParams.builder()
      .model("gpt-test").addUserMessage("hello").build();

  FakeOpenAiUpstream fake;
  GatewayHarness gw;
  OpenAIClient client;

  @BeforeEach
  void start() throws Exception {
    fake = FakeOpenAiUpstream.start();
    gw = GatewayHarness.start("""
        router:
          max_attempts: 2
          backoff_initial_ms: 10
          backoff_max_ms: 20
          cooldown_failures: 1000
        models:
          gpt-test:
            deployments:
              - name: slow
                type: openai_compatible
                base_url: %s
                timeouts: { first_byte_ms: 300, total_ms: 1000 }
        """.formatted(fake.baseUrl()));
    client = gw.openAi();
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    fake.close();
  }

  @Test
  void streamStalledAfterItsFirstChunksIsEndedByTheTotalTimeoutWithAnError() {
    fake.otherwise(streamThenHang(2));
    List<String> seen = new ArrayList<>();

    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(HELLO)) {
        assertThatThrownBy(() -> s.stream().flatMap(c -> c.choices().stream())
            .forEach(c -> seen.add(c.delta().content().orElse(""))))
            .hasMessageContaining("timed out");
      }
    });
    assertThat(seen).containsExactly("w0 ", "w1 ");
    assertThat(fake.attempts()).isEqualTo(1);
  }

  @Test
  void streamWithNoFirstByteIsRetriedThenAnswers504() {
    fake.otherwise(hang());

    assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
        assertThatThrownBy(() -> client.chat().completions().createStreaming(HELLO).stream().count())
            .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
              assertThat(e.statusCode()).isEqualTo(504);
              assertThat(e.getMessage()).contains("2 attempts").contains("slow");
            }));
    assertThat(fake.attempts()).isEqualTo(2);
  }
}
