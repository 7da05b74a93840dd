package dev.portcullis.guard;

import java.text.Normalizer;

/**
 * A text as the detectors see it: NFKC-normalised (fullwidth {@code ＠} and digits, no-break
 * spaces and ligatures become their plain forms) and without invisible format characters
 * (zero-width space and joiners, word joiner, byte-order mark, soft hyphen, bidi controls: the
 * Unicode category Cf), so that hiding them inside a value does not hide the value; digits of
 * every script read as 0-9 and the ideographic full stop as a dot. Keeps, for
 * every character of the normalised text, the span of the original it came from, so that
 * findings act on the original text, invisible characters inside a value included.
 *
 * <p>Plain ASCII, and text already normalised without format characters, is used as it is:
 * prose pays one pass over its characters.
 */
final class NormalizedText {
  private static final int IDEOGRAPHIC_FULL_STOP = 0x3002;

  /** The normalised text. */
  final String text;
  /** Per normalised character: where its source starts in the original; null when text is the original. */
  private final int[] from;
  /** Per normalised character: where its source ends in the original. */
  private final int[] to;

  private NormalizedText(String text, int[] from, int[] to) {
    this.text = text;
    this.from = from;
    this.to = to;
  }

  static NormalizedText of(String original) {
    if (!needsWork(original)) {
      return new NormalizedText(original, null, null);
    }
    int n = original.length();
    StringBuilder out = new StringBuilder(n);
    int[] from = new int[n + 8];
    int[] to = new int[n + 8];
    int i = 0;
    while (i < n) {
      int cp = original.codePointAt(i);
      int next = i + Character.charCount(cp);
      if (Character.getType(cp) == Character.FORMAT) {
        i = next;
        continue;
      }
      if (cp < 0x80) {
        from = room(from, out.length() + 1);
        to = room(to, out.length() + 1);
        from[out.length()] = i;
        to[out.length()] = next;
        out.append((char) cp);
        i = next;
        continue;
      }
      // a base character and the combining marks after it normalise together (e + U+0301 = é)
      while (next < n && isMark(original.codePointAt(next))) {
        next += Character.charCount(original.codePointAt(next));
      }
      String piece = Normalizer.normalize(original.substring(i, next), Normalizer.Form.NFKC);
      for (int k = 0; k < piece.length(); ) {
        int c = fold(piece.codePointAt(k));
        k += Character.charCount(piece.codePointAt(k));
        if (Character.getType(c) == Character.FORMAT) {
          continue;
        }
        int units = Character.charCount(c);
        from = room(from, out.length() + units);
        to = room(to, out.length() + units);
        for (int u = 0; u < units; u++) {
          from[out.length() + u] = i;
          to[out.length() + u] = next;
        }
        out.appendCodePoint(c);
      }
      i = next;
    }
    return new NormalizedText(out.toString(), from, to);
  }

  /** True when the normalised text differs from the original. */
  boolean changed() {
    return from != null;
  }

  /** The finding moved onto the original text: from its first character's source to its last one's. */
  Finding toOriginal(Finding f) {
    if (from == null) {
      return f;
    }
    return new Finding(f.detector(), f.type(), from[f.start()], to[f.end() - 1], f.confidence());
  }

  private static boolean needsWork(String s) {
    int n = s.length();
    int i = 0;
    while (i < n && s.charAt(i) < 0x80) {
      i++;
    }
    if (i == n) {
      return false;
    }
    for (int k = i; k < n; ) {
      int cp = s.codePointAt(k);
      if (Character.getType(cp) == Character.FORMAT || fold(cp) != cp) {
        return true;
      }
      k += Character.charCount(cp);
    }
    return !Normalizer.isNormalized(s, Normalizer.Form.NFKC);
  }

  /**
   * What NFKC leaves alone but a reader (and a model) reads as ASCII: a decimal digit of any
   * script (Arabic-Indic, Devanagari, ...) as its value, since the detectors' {@code \d} matches
   * only 0-9; the ideographic full stop as a dot, as domain names treat it (IDNA label separator).
   */
  private static int fold(int cp) {
    if (cp >= 0x80 && Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
      int d = Character.digit(cp, 10);
      return d >= 0 ? '0' + d : cp;
    }
    return cp == IDEOGRAPHIC_FULL_STOP ? '.' : cp;
  }

  private static boolean isMark(int cp) {
    int t = Character.getType(cp);
    return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK
        || t == Character.ENCLOSING_MARK;
  }

  private static int[] room(int[] a, int size) {
    return size <= a.length ? a : java.util.Arrays.copyOf(a, Math.max(size, a.length * 2));
  }
}
