package dev.portcullis.config;

import java.util.List;

/**
 * The {@code guard} section: which detectors run, custom detectors, and the rules that say
 * what happens to the data they find, where. Absent or without rules: no guard, no cost.
 *
 * @param enabled built-in detectors that are off by default and should run (high_entropy)
 * @param disabled built-in detectors that should not run
 * @param phoneRegions regions national phone numbers are checked against (default: 20 common ones)
 * @param entropy settings of the high_entropy detector
 * @param hashKey the key of the keyed hash the {@code hash} action uses (keep it secret)
 * @param custom custom regex or dictionary detectors
 * @param rules what to do with findings, first matching rule per detector and direction wins
 */
public record GuardConfig(List<String> enabled, List<String> disabled, List<String> phoneRegions,
    EntropyConfig entropy, String hashKey, List<CustomDetectorConfig> custom, List<RuleConfig> rules) {

  public GuardConfig {
    enabled = enabled == null ? List.of() : List.copyOf(enabled);
    disabled = disabled == null ? List.of() : List.copyOf(disabled);
    phoneRegions = phoneRegions == null ? List.of() : List.copyOf(phoneRegions);
    entropy = entropy == null ? new EntropyConfig(null, null) : entropy;
    custom = custom == null ? List.of() : List.copyOf(custom);
    rules = rules == null ? List.of() : List.copyOf(rules);
  }

  public static GuardConfig none() {
    return new GuardConfig(null, null, null, null, null, null, null);
  }

  /** The high-entropy detector: shortest token considered, bits per character needed. */
  public record EntropyConfig(Integer minLength, Double threshold) {
    public EntropyConfig {
      minLength = minLength == null ? 20 : minLength;
      threshold = threshold == null ? 3.5 : threshold;
    }
  }

  /**
   * A custom detector: a regular expression (an optional named group {@code v} marks the part
   * to act on) or a list of words (whole words, case-insensitive).
   *
   * @param type the placeholder label (defaults to the name in upper case)
   * @param secret whether rules selecting {@code secrets} (rather than {@code pii}) cover it
   */
  public record CustomDetectorConfig(String name, String type, String regex, List<String> words, Boolean secret,
      Double confidence, Integer maxSpan) {}

  /**
   * A rule. Each list is a set of globs; an empty list matches anything.
   *
   * @param detectors detector names, or pii, secrets, all (the default)
   * @param action redact, mask, hash, block, pseudonymise or log
   * @param direction request (default), response or both
   */
  public record RuleConfig(String name, List<String> surfaces, List<String> routes, List<String> models,
      List<String> keys, List<String> personas, List<String> servers, List<String> tools, List<String> detectors,
      String action, String direction) {}
}
