package dev.portcullis.server;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Short unique request ids ("req_" + 24 hex digits): cheap to make, safe to log. The first 11
 * digits are the time in milliseconds (good until the year 2527), the other 13 are random (52
 * bits). Time first, because the id is also the audit event's id and the store indexes it: ids
 * that grow with time are added at the end of that index, where random ones land on a different
 * page each time (on SQLite an audit row cost about a third more with random ids).
 */
final class RequestIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final int TIME_DIGITS = 11;
  private static final int RANDOM_DIGITS = 13;

  private RequestIds() {}

  static String next() {
    return of(System.currentTimeMillis(), ThreadLocalRandom.current().nextLong());
  }

  /** The id made at {@code millis} with the random bits {@code random} (its low 52 bits). */
  static String of(long millis, long random) {
    char[] out = new char[4 + TIME_DIGITS + RANDOM_DIGITS];
    out[0] = 'r';
    out[1] = 'e';
    out[2] = 'q';
    out[3] = '_';
    for (int i = 0; i < TIME_DIGITS; i++) {
      out[4 + i] = HEX[(int) (millis >>> (4 * (TIME_DIGITS - 1 - i))) & 0xF];
    }
    for (int i = 0; i < RANDOM_DIGITS; i++) {
      out[4 + TIME_DIGITS + i] = HEX[(int) (random >>> (4 * (RANDOM_DIGITS - 1 - i))) & 0xF];
    }
    return new String(out);
  }
}
