package dev.portcullis.guard;

import java.util.List;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * International bank account numbers, printed compactly or in groups of four: the candidate is
 * cut to its country's length (so the words after it are not swallowed) and must pass the
 * ISO 7064 mod-97 check.
 */
public final class IbanDetector implements Detector {
  static final Pattern CANDIDATE = Pattern.compile("(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?:[ -]?[A-Za-z0-9]){11,30}");
  /** Every candidate starts with its country code. */
  static final IntPredicate CAN_START = c -> c >= 'A' && c <= 'Z';

  @Override
  public String name() {
    return "iban";
  }

  @Override
  public String type() {
    return "IBAN";
  }

  @Override
  public int priority() {
    return 75;
  }

  @Override
  public int maxSpan() {
    return 42;
  }

  @Override
  public boolean possibleIn(TextFacts facts) {
    return facts.hasCapitalsThenDigits(false);
  }

  @Override
  public void detect(String text, List<Finding> out) {
    Candidates candidates = new Candidates(CANDIDATE, text, CAN_START);
    while (candidates.next()) {
      Matcher m = candidates.match();
      int want = Validators.ibanLength(m.group().substring(0, 2));
      if (want < 0) {
        continue;
      }
      int count = 0;
      int end = m.start();
      while (end < m.end() && count < want) {
        char c = text.charAt(end);
        if (c != ' ' && c != '-') {
          count++;
        }
        end++;
      }
      if (count != want || end < text.length() && Character.isLetterOrDigit(text.charAt(end))) {
        continue; // shorter than the country's length, or the characters run on: not an IBAN
      }
      String candidate = text.substring(m.start(), end);
      if (Validators.iban(candidate)) {
        out.add(new Finding("iban", "IBAN", m.start(), end, 0.99));
        candidates.skipTo(end);
      }
    }
  }
}
