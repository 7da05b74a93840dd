package dev.portcullis.server;

import java.util.concurrent.ThreadLocalRandom;

/** Short unique request ids ("req_" + 24 hex digits): cheap to make, safe to log. */
final class RequestIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {}

  static String next() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = r.nextLong();
    int lo = r.nextInt();
    char[] out = new char[28];
    out[0] = 'r';
    out[1] = 'e';
    out[2] = 'q';
    out[3] = '_';
    for (int i = 0; i < 16; i++) {
      out[4 + i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xF];
    }
    for (int i = 0; i < 8; i++) {
      out[20 + i] = HEX[(lo >>> (28 - 4 * i)) & 0xF];
    }
    return new String(out);
  }
}
