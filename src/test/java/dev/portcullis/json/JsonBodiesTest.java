package dev.portcullis.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The strict parser of client bodies: what it refuses, what it keeps accepting, and why it says so. */
class JsonBodiesTest {
  final JsonBodies bodies = new JsonBodies(8);

  @Test
  void aKeyTwiceInOneObjectIsRefusedAtAnyDepth() {
    for (String json : new String[] {
        "{\"a\":1,\"a\":1}",
        "{\"a\":{\"b\":1,\"c\":2,\"b\":3}}",
        "[{\"x\":[{\"k\":null,\"k\":null}]}]",
        "{\"\":1,\"\":2}"}) {
      assertThatThrownBy(() -> bodies.parse(bytes(json))).as(json).isInstanceOfSatisfying(JsonBodies.Rejected.class,
          e -> assertThat(e.reason()).isEqualTo(JsonBodies.Reason.DUPLICATE_KEY));
    }
  }

  @Test
  void theSameKeyInDifferentObjectsIsFine() throws Exception {
    assertThat(bodies.parse(bytes("[{\"a\":1},{\"a\":2}]")).size()).isEqualTo(2);
    assertThat(bodies.parse(bytes("{\"a\":{\"a\":{\"a\":1}}}")).path("a").path("a").path("a").asInt()).isEqualTo(1);
    // keys that differ only once decoded are different keys, and equal ones once decoded are the same
    assertThatThrownBy(() -> bodies.parse(bytes("{\"model\":1,\"mod\\u0065l\":2}")))
        .isInstanceOfSatisfying(JsonBodies.Rejected.class,
            e -> assertThat(e.reason()).isEqualTo(JsonBodies.Reason.DUPLICATE_KEY));
  }

  @Test
  void theRefusalNamesTheKeyButNotAllOfALongOne() {
    String longKey = "k".repeat(500);
    assertThatThrownBy(() -> bodies.parse(bytes("{\"" + longKey + "\":1,\"" + longKey + "\":2}")))
        .hasMessageContaining("'" + "k".repeat(64) + "...'").hasMessageNotContaining("k".repeat(65));
  }

  @Test
  void onlyWhitespaceMayFollowTheValue() throws Exception {
    for (String tail : new String[] {" 1", "{}", "x", ",", "]", "//", "\"s\""}) {
      assertThatThrownBy(() -> bodies.parse(bytes("{\"a\":1}" + tail))).as(tail)
          .isInstanceOfSatisfying(JsonBodies.Rejected.class,
              e -> assertThat(e.reason()).isEqualTo(JsonBodies.Reason.TRAILING_DATA));
    }
    assertThat(bodies.parse(bytes(" {\"a\":1} \n\r\t ")).path("a").asInt()).isEqualTo(1);
    assertThat(bodies.parse(bytes("42")).asInt()).isEqualTo(42);
  }

  @Test
  void eachOtherRefusalHasItsReason() {
    assertReason("", JsonBodies.Reason.EMPTY);
    assertReason("  \n", JsonBodies.Reason.EMPTY);
    assertReason("{\"a\":", JsonBodies.Reason.SYNTAX);
    assertReason("{'a':1}", JsonBodies.Reason.SYNTAX);
    assertReason("{\"a\":1,}", JsonBodies.Reason.SYNTAX);
    assertReason("[".repeat(9) + "]".repeat(9), JsonBodies.Reason.TOO_DEEP);
    assertReason("[" + "1".repeat(2000) + "]", JsonBodies.Reason.TOO_LONG);
    assertThatThrownBy(() -> bodies.object(bytes("[1]"))).isInstanceOfSatisfying(JsonBodies.Rejected.class,
        e -> assertThat(e.reason()).isEqualTo(JsonBodies.Reason.NOT_OBJECT));
    assertThatThrownBy(() -> bodies.parse(null)).isInstanceOf(JsonBodies.Rejected.class);
  }

  @Test
  void utf16AndUtf32AreNotDetectedButRefused() {
    for (var cs : new java.nio.charset.Charset[] {StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE,
        StandardCharsets.UTF_16, java.nio.charset.Charset.forName("UTF-32")}) {
      assertThatThrownBy(() -> bodies.parse("{\"a\":1}".getBytes(cs))).as(cs.name())
          .isInstanceOfSatisfying(JsonBodies.Rejected.class,
              e -> assertThat(e.reason()).isEqualTo(JsonBodies.Reason.NOT_UTF8));
    }
  }

  @Test
  void utf8RulesAgreeWithTheJdksStrictDecoder() {
    Random random = new Random(20261203);
    int[] interesting = {0x00, 0x22, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
        0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFE, 0xFF};
    for (int round = 0; round < 50_000; round++) {
      byte[] b = new byte[1 + random.nextInt(6)];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) (random.nextBoolean() ? interesting[random.nextInt(interesting.length)] : random.nextInt(256));
      }
      boolean wellFormed = jdkAccepts(b) && !contains(b, (byte) 0);
      assertThat(Utf8.firstInvalid(b) < 0).as(java.util.HexFormat.of().formatHex(b)).isEqualTo(wellFormed);
    }
    assertThat(Utf8.firstInvalid("h\u00e9 \u20ac \uD83D\uDE00 \uDBFF\uDFFF".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(-1);
    assertThat(Utf8.firstInvalid(new byte[] {'a', 'b', (byte) 0xC0, (byte) 0xAF})).isEqualTo(2);
  }

  private void assertReason(String json, JsonBodies.Reason reason) {
    assertThatThrownBy(() -> bodies.parse(bytes(json))).as(json).isInstanceOfSatisfying(JsonBodies.Rejected.class,
        e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(e.getMessage()).doesNotContain("com.fasterxml").doesNotContain("StreamReadConstraints");
        });
  }

  private static boolean jdkAccepts(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static boolean contains(byte[] b, byte x) {
    for (byte y : b) {
      if (y == x) {
        return true;
      }
    }
    return false;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
