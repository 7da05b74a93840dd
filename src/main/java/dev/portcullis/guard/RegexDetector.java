package dev.portcullis.guard;

import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A detector made of a regular expression (which finds candidates) and a validator (which
 * rejects candidates that merely look right: failed checksums, impossible ranges). The finding
 * spans the named group {@code v} when the pattern has one, else the whole match.
 */
public final class RegexDetector implements Detector {
  private final String name;
  private final String type;
  private final Pattern pattern;
  private final Predicate<String> validator;
  private final double confidence;
  private final int priority;
  private final int maxSpan;
  private final boolean secret;
  private final boolean hasGroup;
  /** A cheap necessary condition of a match, checked before running the pattern. */
  private final Predicate<TextFacts> possible;
  /** The characters a match can start with (see {@link Candidates}); null: any. */
  private final IntPredicate canStart;

  public RegexDetector(String name, String type, Pattern pattern, Predicate<String> validator, double confidence,
      int priority, int maxSpan, boolean secret, String... anyOf) {
    this(name, type, pattern, validator, confidence, priority, maxSpan, secret,
        anyOf.length == 0 ? facts -> true : facts -> facts.containsAny(anyOf));
  }

  /**
   * @param possible a necessary condition of a match (a literal every match contains, a number of
   *     digits it needs), so that text which cannot match skips the pattern
   */
  public RegexDetector(String name, String type, Pattern pattern, Predicate<String> validator, double confidence,
      int priority, int maxSpan, boolean secret, Predicate<TextFacts> possible) {
    this(name, type, pattern, validator, confidence, priority, maxSpan, secret, possible, null);
  }

  /**
   * @param canStart accepts the first character of every possible match (null: any), so that
   *     the search tries only those positions
   */
  public RegexDetector(String name, String type, Pattern pattern, Predicate<String> validator, double confidence,
      int priority, int maxSpan, boolean secret, Predicate<TextFacts> possible, IntPredicate canStart) {
    this.name = name;
    this.type = type;
    this.pattern = pattern;
    this.validator = validator == null ? s -> true : validator;
    this.confidence = confidence;
    this.priority = priority;
    this.maxSpan = maxSpan;
    this.secret = secret;
    this.hasGroup = pattern.pattern().contains("(?<v>");
    this.possible = possible;
    this.canStart = canStart;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return type;
  }

  @Override
  public boolean secret() {
    return secret;
  }

  @Override
  public int priority() {
    return priority;
  }

  @Override
  public int maxSpan() {
    return maxSpan;
  }

  @Override
  public boolean possibleIn(TextFacts facts) {
    return possible.test(facts);
  }

  @Override
  public void detect(String text, List<Finding> out) {
    if (canStart == null) {
      Matcher m = pattern.matcher(text);
      while (m.find()) {
        collect(m, text, out);
      }
      return;
    }
    Candidates candidates = new Candidates(pattern, text, canStart);
    while (candidates.next()) {
      collect(candidates.match(), text, out);
    }
  }

  Pattern pattern() {
    return pattern;
  }

  IntPredicate canStart() {
    return canStart;
  }

  private void collect(Matcher m, String text, List<Finding> out) {
    int s = hasGroup ? m.start("v") : m.start();
    int e = hasGroup ? m.end("v") : m.end();
    if (s >= 0 && e > s && validator.test(text.substring(s, e))) {
      out.add(new Finding(name, type, s, e, confidence));
    }
  }
}
