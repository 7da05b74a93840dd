package dev.portcullis.guard;

import java.util.List;

/** Finds one kind of sensitive data in plain text. Implementations are immutable and thread-safe. */
public interface Detector {
  /** The detector's name, as in configuration (email, phone, credit_card...). */
  String name();

  /** The data type its findings carry (the placeholder label). */
  String type();

  /** Whether a finding is a secret (credentials) rather than personal data; rules may select either class. */
  default boolean secret() {
    return false;
  }

  /** When two findings overlap, the one from the detector with the higher priority wins. */
  int priority();

  /**
   * The longest text one match can span, in characters: a stream scanner holds back no more
   * than this many characters.
   */
  int maxSpan();

  /**
   * False when {@code facts} show that this detector cannot find anything in their text, so the
   * scan skips it. Only a necessary condition of a match may answer false.
   */
  default boolean possibleIn(TextFacts facts) {
    return true;
  }

  /** Appends this detector's findings in {@code text} to {@code out}. */
  void detect(String text, List<Finding> out);
}
