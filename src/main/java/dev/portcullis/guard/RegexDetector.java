package dev.portcullis.guard;

import java.util.List;
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
  /** A cheap literal every match contains, checked before running the pattern; null for none. */
  private final String[] anyOf;

  public RegexDetector(String name, String type, Pattern pattern, Predicate<String> validator, double confidence,
      int priority, int maxSpan, boolean secret, String... anyOf) {
    this.name = name;
    this.type = type;
    this.pattern = pattern;
    this.validator = validator == null ? s -> true : validator;
    this.confidence = confidence;
    this.priority = priority;
    this.maxSpan = maxSpan;
    this.secret = secret;
    this.hasGroup = pattern.pattern().contains("(?<v>");
    this.anyOf = anyOf.length == 0 ? null : anyOf;
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
  public void detect(String text, List<Finding> out) {
    if (anyOf != null && !containsAny(text)) {
      return;
    }
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      int s = hasGroup ? m.start("v") : m.start();
      int e = hasGroup ? m.end("v") : m.end();
      if (s < 0 || e <= s) {
        continue;
      }
      if (validator.test(text.substring(s, e))) {
        out.add(new Finding(name, type, s, e, confidence));
      }
    }
  }

  private boolean containsAny(String text) {
    for (String a : anyOf) {
      if (text.contains(a)) {
        return true;
      }
    }
    return false;
  }
}
