package dev.portcullis.limits;

/**
 * Arithmetic on token counts and nano-dollar amounts that sticks at the ends of {@code long}
 * instead of wrapping. Limit arithmetic is fed numbers an attacker chose (max_tokens) or an
 * upstream reported (usage); a wrapped sum turns "too large" into "negative" and lets a request
 * past its budget, so every sum here saturates by design.
 */
final class Saturating {
  private Saturating() {}

  static long add(long a, long b) {
    long r = a + b;
    // overflow iff both operands have the same sign and the result's sign differs
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  /** The product of two non-negative numbers, at most {@code Long.MAX_VALUE}. */
  static long multiply(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
  }

  /** A non-negative amount computed in floating point, rounded to the nearest whole number. */
  static long roundToLong(double amount) {
    return clamp(Math.floor(checked(amount) + 0.5)); // halves up, as Math.round
  }

  /** A non-negative amount computed in floating point, rounded up to a whole number. */
  static long ceilToLong(double amount) {
    return clamp(Math.ceil(checked(amount)));
  }

  /**
   * NaN cannot come from valid prices and counts (both are finite and non-negative); should it
   * ever, it is refused rather than read as zero, which would charge nothing.
   */
  private static double checked(double amount) {
    if (Double.isNaN(amount)) {
      throw new ArithmeticException("amount is not a number");
    }
    return amount;
  }

  /** Held at 0 and {@code Long.MAX_VALUE} (infinity included). */
  private static long clamp(double whole) {
    return whole <= 0 ? 0 : whole >= 0x1p63 ? Long.MAX_VALUE : (long) whole;
  }
}
