package dev.portcullis.guard;

import java.util.List;
import java.util.function.IntPredicate;

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

  /**
   * The same, told which positions a finding of higher priority already owns: a finding that
   * overlaps one is dropped anyway, so an expensive detector may skip validating candidates
   * whose every possible finding would overlap it.
   */
  default void detect(String text, IntPredicate claimed, List<Finding> out) {
    detect(text, out);
  }
}
