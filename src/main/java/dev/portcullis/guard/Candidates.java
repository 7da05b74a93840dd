package dev.portcullis.guard;

import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a pattern's matches like {@link Matcher#find()}, but tries only the positions whose
 * character can start a match. {@code find()} attempts every position, and most of the guard's
 * patterns begin with a look-behind that the regex engine cannot skip ahead on, so prose paid a
 * full match attempt per character. Trying the same positions in the same order with transparent
 * bounds (look-behinds and look-aheads still see the whole text) gives the same matches, provided
 * {@code canStart} accepts the first character of every possible match.
 */
final class Candidates {
  private final Matcher matcher;
  private final String text;
  private final IntPredicate canStart;
  private int from;

  Candidates(Pattern pattern, String text, IntPredicate canStart) {
    this.matcher = pattern.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
    this.text = text;
    this.canStart = canStart;
  }

  /** Moves to the next match, as {@link Matcher#find()} would; false when there is none. */
  boolean next() {
    int n = text.length();
    for (int p = from; p < n; p++) {
      if (!canStart.test(text.charAt(p))) {
        continue;
      }
      matcher.region(p, n);
      if (matcher.lookingAt()) {
        from = matcher.end() > p ? matcher.end() : p + 1;
        return true;
      }
    }
    from = n;
    return false;
  }

  /** Continues the search at {@code position}, as {@code Matcher.region(position, end)} then find() would. */
  void skipTo(int position) {
    from = position;
  }

  /** The current match. */
  Matcher match() {
    return matcher;
  }

  static boolean digit(int c) {
    return c >= '0' && c <= '9';
  }
}
