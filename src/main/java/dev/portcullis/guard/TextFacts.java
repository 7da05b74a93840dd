package dev.portcullis.guard;

import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * Cheap facts about one text, worked out once per scan and shared by every detector, so that a
 * detector whose pattern cannot possibly match (a card number needs twelve digits close together,
 * an access key its literal prefix) skips its regular expression. Most prose an agent sends has
 * no long digit group, and running a dozen patterns over it was most of the guard's cost. Each
 * fact is a necessary condition of a match, never a heuristic: a detector that asks one may only
 * skip text it could not have matched. Computed lazily; not thread-safe (one scan, one thread).
 */
public final class TextFacts {
  private final String text;
  /** digitsBefore[i] = number of ASCII digits in text[0, i); null until first asked. */
  private int[] digitsBefore;
  private int longestDigitRun = -1;
  private String lower;

  TextFacts(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  /** Whether some {@code width} consecutive characters hold at least {@code count} ASCII digits ({@code \d} in our patterns). */
  public boolean digitsWithin(int count, int width) {
    int[] before = digitsBefore();
    int n = text.length();
    if (before[n] < count) {
      return false;
    }
    for (int end = Math.min(width, n); end <= n; end++) {
      if (before[end] - before[Math.max(0, end - width)] >= count) {
        return true;
      }
    }
    return false;
  }

  /** The length of the longest run of consecutive ASCII digits. */
  public int longestDigitRun() {
    if (longestDigitRun < 0) {
      int best = 0;
      int run = 0;
      for (int i = 0; i < text.length(); i++) {
        run = isDigit(text.charAt(i)) ? run + 1 : 0;
        best = Math.max(best, run);
      }
      longestDigitRun = best;
    }
    return longestDigitRun;
  }

  /**
   * Whether two ASCII capitals are followed by two digits, with a space between them when
   * {@code spaceBetween} allows one (how every IBAN, and every UK insurance number, starts).
   */
  public boolean hasCapitalsThenDigits(boolean spaceBetween) {
    for (int i = 0; i + 3 < text.length(); i++) {
      if (isCapital(text.charAt(i)) && isCapital(text.charAt(i + 1))) {
        int d = i + 2;
        if (spaceBetween && text.charAt(d) == ' ') {
          d++;
        }
        if (d + 1 < text.length() && isDigit(text.charAt(d)) && isDigit(text.charAt(d + 1))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether some {@code width} consecutive characters hold at least {@code count} dots that each
   * stand between two digits (how a dotted IPv4 address looks).
   */
  public boolean digitDotDigitsWithin(int count, int width) {
    int[] dots = new int[count];
    int seen = 0;
    for (int i = 1; i + 1 < text.length(); i++) {
      if (text.charAt(i) == '.' && isDigit(text.charAt(i - 1)) && isDigit(text.charAt(i + 1))) {
        dots[seen % count] = i;
        seen++;
        // the oldest of the last {@code count} dots, and the digits around both ends
        if (seen >= count && i + 1 - (dots[seen % count] - 1) + 1 <= width) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether a colon is followed, after at most {@code hexDigits} ASCII hex digits, by another colon
   * (two groups of an IPv6 address, {@code ::} included). Prose has colons after headings and in
   * links, and the IPv6 pattern, which tries every position, cost several times all the others
   * together on such prose (GuardScanBench.colonProse1KbNothingFound).
   */
  public boolean colonsAroundHex(int hexDigits) {
    for (int colon = text.indexOf(':'); colon >= 0; colon = text.indexOf(':', colon + 1)) {
      int i = colon + 1;
      while (i < text.length() && i - colon - 1 < hexDigits && isHex(text.charAt(i))) {
        i++;
      }
      if (i < text.length() && text.charAt(i) == ':') {
        return true;
      }
    }
    return false;
  }

  /** The length of the longest run of characters that {@code member} accepts. */
  public int longestRunOf(IntPredicate member) {
    int best = 0;
    int run = 0;
    for (int i = 0; i < text.length(); i++) {
      run = member.test(text.charAt(i)) ? run + 1 : 0;
      best = Math.max(best, run);
    }
    return best;
  }

  /** Whether any of the literals occurs, case-sensitively. */
  public boolean containsAny(String... literals) {
    for (String s : literals) {
      if (text.contains(s)) {
        return true;
      }
    }
    return false;
  }

  /** Whether any of the literals (given in lower case) occurs, ignoring case as {@code (?i)} does for ASCII. */
  public boolean containsAnyIgnoringCase(String... lowerCaseLiterals) {
    if (lower == null) {
      lower = text.toLowerCase(Locale.ROOT);
    }
    for (String s : lowerCaseLiterals) {
      if (lower.contains(s)) {
        return true;
      }
    }
    return false;
  }

  private int[] digitsBefore() {
    if (digitsBefore == null) {
      int[] before = new int[text.length() + 1];
      for (int i = 0; i < text.length(); i++) {
        before[i + 1] = before[i] + (isDigit(text.charAt(i)) ? 1 : 0);
      }
      digitsBefore = before;
    }
    return digitsBefore;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** An ASCII hex digit ({@code [0-9A-Fa-f]} in our patterns). */
  static boolean isHex(int c) {
    return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
  }

  private static boolean isCapital(char c) {
    return c >= 'A' && c <= 'Z';
  }
}
