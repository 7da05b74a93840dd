package dev.portcullis.guard;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Random-looking tokens (generic API keys, passwords, session secrets), when configured: long
 * runs of base64/base62 characters mixing upper case, lower case and digits whose Shannon
 * entropy reaches the threshold. Hex-only strings (hashes, UUIDs) and word-like identifiers
 * are left alone, and so is public key material (SSH public keys, PEM public keys and
 * certificates), which is random by nature and meant to be shared.
 */
public final class EntropyDetector implements Detector {
  private static final Pattern TOKEN = Pattern.compile("(?<![A-Za-z0-9+/_\\-])[A-Za-z0-9+/_\\-]{16,512}={0,2}(?![A-Za-z0-9+/=_\\-])");

  /** Public keys and certificates: random-looking, not secret. */
  private static final Pattern PUBLIC_MATERIAL = Pattern.compile(
      "(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\\.com) AAAA[A-Za-z0-9+/]+=*"
          + "|-----BEGIN (?:PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----[\\s\\S]{0,16000}?-----END (?:PUBLIC KEY|RSA PUBLIC KEY"
          + "|CERTIFICATE)-----");

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

  /** A token is a run of at least 16 base64/base62 characters. */
  @Override
  public boolean possibleIn(TextFacts facts) {
    return facts.longestRunOf(EntropyDetector::tokenCharacter) >= 16;
  }

  private static boolean tokenCharacter(int c) {
    return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '_'
        || c == '-';
  }

  @Override
  public void detect(String text, List<Finding> out) {
    List<int[]> publicSpans = publicMaterial(text);
    Matcher m = TOKEN.matcher(text);
    while (m.find()) {
      int s = m.start();
      int e = m.end();
      if (inside(publicSpans, s)) {
        continue;
      }
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

  private static List<int[]> publicMaterial(String text) {
    if (!text.contains("AAAA") && !text.contains("-----BEGIN")) {
      return List.of();
    }
    List<int[]> spans = new java.util.ArrayList<>();
    Matcher m = PUBLIC_MATERIAL.matcher(text);
    while (m.find()) {
      spans.add(new int[] {m.start(), m.end()});
    }
    return spans;
  }

  private static boolean inside(List<int[]> spans, int at) {
    for (int[] sp : spans) {
      if (at >= sp[0] && at < sp[1]) {
        return true;
      }
    }
    return false;
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
