package dev.portcullis.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.config.DeploymentConfig;
import org.junit.jupiter.api.Test;

/**
 * A deployment parses its upstream URL once while calls repeat it, and parses a different one
 * (Gemini's or Azure's per-model paths) afresh instead of answering with the last.
 */
class DeploymentUrlTest {
  final Deployment d = new Deployment("m", "m-1",
      new DeploymentConfig.OpenAi("m-1", null, null, null, null, null, null, null), "http://127.0.0.1:1/v1", null);

  @Test
  void theSameUriIsParsedOnce() {
    var first = d.url("http://127.0.0.1:1/v1/chat/completions");
    assertThat(d.url("http://127.0.0.1:1/v1/chat/completions")).isSameAs(first);
    assertThat(first.getPort()).isEqualTo(1);
    assertThat(first.getFile()).isEqualTo("/v1/chat/completions");
  }

  @Test
  void aDifferentUriIsNotAnsweredWithTheLast() {
    d.url("http://127.0.0.1:1/v1/models/a:generateContent");
    var other = d.url("https://upstream.example/v1/models/b:generateContent?alt=sse");
    assertThat(other.getHost()).isEqualTo("upstream.example");
    assertThat(other.getFile()).isEqualTo("/v1/models/b:generateContent?alt=sse");
    assertThat(d.url("http://127.0.0.1:1/v1/models/a:generateContent").getFile())
        .isEqualTo("/v1/models/a:generateContent");
  }

  @Test
  void notAUrlIsRefused() {
    assertThatThrownBy(() -> d.url("no scheme here")).isInstanceOf(IllegalArgumentException.class);
  }
}
