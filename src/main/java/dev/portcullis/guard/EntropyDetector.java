package dev.portcullis.guard;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Random-looking tokens (generic API keys, passwords, session secrets), when configured: long
 * runs of base64/base62 characters mixing upper case, lower case and digits whose Shannon
 * entropy reaches the threshold. Hex-only strings (hashes, UUIDs) and word-like identifiers
 * are left alone.
 */
public final class EntropyDetector implements Detector {
  private static final Pattern TOKEN = Pattern.compile("(?<![A-Za-z0-9+/=_\\-])[A-Za-z0-9+/_\\-]{16,512}={0,2}(?![A-Za-z0-9+/=_\\-])");

  private final int minLength;
  private final double threshold;

  public EntropyDetector(int minLength, double threshold) {
    this.minLength = minLength;
    this.threshold = threshold;
  }

  @Override
  public String name() {
    return "high_entropy";
  }

  @Override
  public String type() {
    return "SECRET";
  }

  @Override
  public boolean secret() {
    return true;
  }

  @Override
  public int priority() {
    return 10;
  }

  @Override
  public int maxSpan() {
    return 512;
  }

  @Override
  public void detect(String text, List<Finding> out) {
    Matcher m = TOKEN.matcher(text);
    while (m.find()) {
      int s = m.start();
      int e = m.end();
      while (e > s && (text.charAt(e - 1) == '-' || text.charAt(e - 1) == '_')) {
        e--;
      }
      if (e - s < minLength) {
        continue;
      }
      String t = text.substring(s, e);
      if (looksRandom(t)) {
        out.add(new Finding("high_entropy", "SECRET", s, e, 0.6));
      }
    }
  }

  boolean looksRandom(String t) {
    int upper = 0;
    int lower = 0;
    int digit = 0;
    int run = 0;
    int maxLowerRun = 0;
    boolean hexOnly = true;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        upper++;
        run = 0;
      } else if (c >= 'a' && c <= 'z') {
        lower++;
        maxLowerRun = Math.max(maxLowerRun, ++run);
      } else {
        if (c >= '0' && c <= '9') {
          digit++;
        }
        run = 0;
      }
      if (Character.digit(c, 16) < 0 && c != '-') {
        hexOnly = false;
      }
    }
    if (hexOnly || upper == 0 || lower == 0 || digit < 2 || maxLowerRun >= 10) {
      return false;
    }
    return Validators.entropy(t) >= threshold;
  }
}
