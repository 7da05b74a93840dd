package dev.portcullis.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.wire.anthropic.AnthropicUsage;
import org.junit.jupiter.api.Test;

/**
 * Token counts from upstream usage objects are read without wrapping: 2^64+5 is not 5, 1e300 is
 * not whatever a cast gives, and sums of parts stick at the end of long instead of turning negative.
 */
class TokenCountTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  @Test
  void countsAreReadExactlyOrHeldAtTheEndsOfLong() throws Exception {
    assertThat(TokenCount.of(json("42"))).isEqualTo(42);
    assertThat(TokenCount.of(json("18446744073709551621"))).isEqualTo(Long.MAX_VALUE); // asLong() gives 5
    assertThat(TokenCount.of(json("-18446744073709551621"))).isEqualTo(Long.MIN_VALUE);
    assertThat(TokenCount.of(json("1e300"))).isEqualTo(Long.MAX_VALUE);
    assertThat(TokenCount.of(json("-1e300"))).isEqualTo(Long.MIN_VALUE);
    assertThat(TokenCount.of(json("2.1"))).isEqualTo(3);
    assertThat(TokenCount.of(json("\"17\""))).isEqualTo(17);
    assertThat(TokenCount.of(json("\"99999999999999999999\""))).isEqualTo(Long.MAX_VALUE);
    assertThat(TokenCount.of(json("\"1e999999999\""))).isZero();
    assertThat(TokenCount.of(json("true"))).isZero();
    assertThat(TokenCount.of(null)).isZero();
    assertThat(TokenCount.sum(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
    assertThat(TokenCount.sum(Long.MIN_VALUE, -1)).isEqualTo(Long.MIN_VALUE);
    assertThat(new Usage(Long.MAX_VALUE, Long.MAX_VALUE, 0, 0, false).totalTokens()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void anthropicPartsAddUpWithoutWrapping() throws Exception {
    Usage u = AnthropicUsage.parse(json("""
        {"input_tokens":9223372036854775807,"cache_read_input_tokens":9223372036854775807,
         "cache_creation_input_tokens":5,"output_tokens":18446744073709551621}"""));
    assertThat(u.promptTokens()).isEqualTo(Long.MAX_VALUE);
    assertThat(u.completionTokens()).isEqualTo(Long.MAX_VALUE);
  }
}
