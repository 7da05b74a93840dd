package dev.portcullis.guard;

/**
 * One piece of sensitive data found in a text.
 *
 * @param detector the detector that found it (email, credit_card, github_token, ...)
 * @param type the kind of data, also the placeholder label (EMAIL, CREDIT_CARD, ...)
 * @param start index of the first character, inclusive
 * @param end index after the last character, exclusive
 * @param confidence how sure the detector is, 0..1 (validated matches score higher)
 */
public record Finding(String detector, String type, int start, int end, double confidence) {
  public int length() {
    return end - start;
  }

  boolean overlaps(Finding o) {
    return start < o.end && o.start < end;
  }

  Finding shifted(int by) {
    return new Finding(detector, type, start + by, end + by, confidence);
  }
}
