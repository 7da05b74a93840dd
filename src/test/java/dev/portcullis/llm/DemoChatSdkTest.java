package dev.portcullis.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.testing.GatewayHarness;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK against the gateway and its built-in demo provider. */
class DemoChatSdkTest {
  static GatewayHarness gw;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        """);
    client = gw.openAi();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  @Test
  void plainCompletion() {
    ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("demo").addUserMessage("ping").build());
    assertThat(c.choices().get(0).message().content().orElseThrow()).contains("You said: ping");
    assertThat(c.usage().get().promptTokens()).isPositive();
  }

  @Test
  void streamedCompletionArrivesWhole() {
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("demo").addUserMessage("stream me").build())) {
      String text = s.stream().flatMap(ch -> ch.choices().stream())
          .map(ch -> ch.delta().content().orElse("")).collect(Collectors.joining());
      assertThat(text).isEqualTo("Hello from the Portcullis demo model. You said: stream me");
    }
  }
}
