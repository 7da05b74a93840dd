package dev.portcullis.guard;

import java.util.Locale;

/** What a guard rule does with the sensitive data it finds. */
public enum Action {
  /** Replace with a numbered placeholder ({@code [EMAIL_1]}); not reversible. */
  REDACT,
  /** Replace all but the last four characters with {@code *}. */
  MASK,
  /** Replace with a keyed hash ({@code [EMAIL:9f86d081884c]}): equal values stay equal, nothing is revealed. */
  HASH,
  /** Refuse the whole request (or response) with an error that names the data types found. */
  BLOCK,
  /**
   * Replace with a placeholder the upstream sees, and put the original back in the answer to the
   * caller: reversible, per request.
   */
  PSEUDONYMISE,
  /** Only record that the data was seen (audit), change nothing. */
  LOG;

  public static Action parse(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    return switch (v) {
      case "redact" -> REDACT;
      case "mask" -> MASK;
      case "hash" -> HASH;
      case "block" -> BLOCK;
      case "pseudonymise", "pseudonymize", "pseudonym" -> PSEUDONYMISE;
      case "log", "detect", "audit" -> LOG;
      default -> throw new IllegalArgumentException("unknown guard action '" + s
          + "' (expected redact, mask, hash, block, pseudonymise or log)");
    };
  }
}
