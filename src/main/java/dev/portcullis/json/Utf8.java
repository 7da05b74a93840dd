package dev.portcullis.json;

/**
 * Strict UTF-8 well-formedness (Unicode table 3-7): no overlong forms, no encoded surrogates,
 * nothing above U+10FFFF. Jackson decodes some ill-formed sequences leniently; an upstream may
 * decode them differently or replace them, so the text the guard checked would not be the text
 * the model reads. Also refuses the NUL byte: it cannot occur in a JSON text, and without it the
 * parser cannot mistake the body for UTF-16 or UTF-32.
 */
final class Utf8 {
  private Utf8() {}

  /** The offset of the first byte that breaks the rules, or -1 when all of {@code b} is well-formed. */
  static int firstInvalid(byte[] b) {
    int i = 0;
    int n = b.length;
    while (i < n) {
      int c = b[i] & 0xFF;
      if (c >= 0x01 && c <= 0x7F) {
        i++;
        continue;
      }
      int len;
      int lo = 0x80;
      int hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
      } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; // E0 80..9F would be overlong
        hi = c == 0xED ? 0x9F : 0xBF; // ED A0..BF would encode a surrogate
      } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80; // F0 80..8F would be overlong
        hi = c == 0xF4 ? 0x8F : 0xBF; // F4 90.. would be above U+10FFFF
      } else {
        return i; // NUL, a stray continuation byte, C0/C1 (overlong) or F5..FF
      }
      if (i + len > n) {
        return i;
      }
      int second = b[i + 1] & 0xFF;
      if (second < lo || second > hi) {
        return i;
      }
      for (int k = 2; k < len; k++) {
        if ((b[i + k] & 0xC0) != 0x80) {
          return i;
        }
      }
      i += len;
    }
    return -1;
  }
}
