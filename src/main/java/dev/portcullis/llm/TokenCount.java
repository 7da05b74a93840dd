package dev.portcullis.llm;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Token counts as providers report them, read without wrapping. Jackson's {@code asLong} wraps an
 * integer beyond 64 bits (2^64+5 reads as 5) and turns 1e300 into whatever the cast gives; an
 * upstream that reports such numbers must not be charged less for them. Counts here stick at the
 * ends of {@code long}; the accountant then holds them to sane bounds and says so.
 */
public final class TokenCount {
  private TokenCount() {}

  /** The count in {@code n}: integers exactly or held at the ends of long, fractions rounded up, else 0. */
  public static long of(JsonNode n) {
    if (n == null || !n.isNumber()) {
      return n != null && n.isTextual() ? ofText(n.textValue()) : 0;
    }
    if (n.canConvertToLong() && n.isIntegralNumber()) {
      return n.longValue();
    }
    if (n.isIntegralNumber()) { // beyond 64 bits
      return n.bigIntegerValue().signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    double d = Math.ceil(n.doubleValue());
    return d >= 0x1p63 ? Long.MAX_VALUE : d <= -0x1p63 ? Long.MIN_VALUE : (long) d;
  }

  /** A count sent as a string of digits (some OpenAI-compatible servers do); anything else counts nothing. */
  private static long ofText(String s) {
    String t = s.trim();
    if (!t.matches("-?\\d{1,40}")) {
      return 0;
    }
    java.math.BigInteger v = new java.math.BigInteger(t);
    return v.bitLength() < 64 ? v.longValue() : v.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  /** A sum of counts that sticks at the ends of long instead of wrapping. */
  public static long sum(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }
}
