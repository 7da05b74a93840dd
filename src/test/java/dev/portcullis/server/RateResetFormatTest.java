package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The x-ratelimit-reset-* values in OpenAI's format: 20ms, 1s, 1.5s, 6m0s. */
class RateResetFormatTest {
  static String of(long millis) {
    return RefusalReplies.duration(millis * 1_000_000L);
  }

  @Test
  void millisecondsSecondsAndMinutesAsOpenAiWritesThem() {
    assertThat(of(0)).isEqualTo("0ms");
    assertThat(of(20)).isEqualTo("20ms");
    assertThat(of(999)).isEqualTo("999ms");
    assertThat(of(1000)).isEqualTo("1s");
    assertThat(of(1500)).isEqualTo("1.5s");
    assertThat(of(1050)).isEqualTo("1.05s");
    assertThat(of(1001)).isEqualTo("1.001s");
    assertThat(of(1230)).isEqualTo("1.23s");
    assertThat(of(59_999)).isEqualTo("59.999s");
    assertThat(of(60_000)).isEqualTo("1m0s");
    assertThat(of(360_000)).isEqualTo("6m0s");
    assertThat(of(61_500)).isEqualTo("1m1s");
  }
}
