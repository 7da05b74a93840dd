package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.testing.GatewayHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * On Linux the event loops run on Netty's epoll transport, the one the benchmarks measure: the
 * native library ships in the jar for x86-64 and aarch64, and losing it (a dependency dropped, a
 * library that fails to load) falls back to the JDK selector silently, slower on every request.
 */
class NativeTransportTest {
  @Test
  @EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "x86_64", "aarch64"})
  void linuxServesOnEpoll() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        """)) {
      assertThat(gw.gateway().transport()).isEqualTo("epoll");
      var answer = gw.openAi().chat().completions().create(ChatCompletionCreateParams.builder().model("demo")
          .addUserMessage("over epoll").build());
      assertThat(answer.choices()).hasSize(1);
    }
  }
}
