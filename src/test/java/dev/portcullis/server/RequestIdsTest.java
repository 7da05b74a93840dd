package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Request ids are also audit event ids, indexed by the store: they must sort by time and never repeat. */
class RequestIdsTest {
  @Test
  void idsSortByTheMillisecondTheyWereMadeIn() {
    long t = 1_780_000_000_000L;
    assertThat(RequestIds.of(t, -1L)).isLessThan(RequestIds.of(t + 1, 0L));
    assertThat(RequestIds.of(t, 0L)).isLessThan(RequestIds.of(t + 3_600_000, 0L));
    assertThat(RequestIds.of(0xFFFFFFFFFFFL, 0L)).isEqualTo("req_fffffffffff0000000000000"); // year 2527
  }

  @Test
  void theTimeAndFiftyTwoRandomBitsAreSpelledInHex() {
    assertThat(RequestIds.of(0x123L, 0xABCDEF0123456L)).isEqualTo("req_00000000123abcdef0123456");
    assertThat(RequestIds.of(0x123L, 0xFFFABCDEF0123456L)).endsWith("abcdef0123456"); // bits above 52 unused
  }

  @Test
  void idsMadeTogetherDiffer() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      String id = RequestIds.next();
      assertThat(id).matches("req_[0-9a-f]{24}");
      seen.add(id);
    }
    assertThat(seen).hasSize(100_000);
  }
}
