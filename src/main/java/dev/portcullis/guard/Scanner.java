package dev.portcullis.guard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Runs a set of detectors over a text and settles overlaps: where two findings overlap, the
 * one from the detector with the higher priority wins (a connection string over the e-mail
 * address inside it, an IBAN over the phone number its digits resemble), then the longer one.
 * Detectors see the text normalised ({@link NormalizedText}: NFKC, invisible format characters
 * removed); the findings it returns are spans of the original text. Immutable and thread-safe.
 */
public final class Scanner {
  private final List<Detector> detectors;
  /** The detectors, highest priority first (stable: equal priorities keep their order). */
  private final List<Detector> byPriority;
  private final int maxSpan;

  public Scanner(List<Detector> detectors) {
    this.detectors = List.copyOf(detectors);
    List<Detector> sorted = new ArrayList<>(detectors);
    sorted.sort(Comparator.comparingInt((Detector d) -> -d.priority()));
    this.byPriority = List.copyOf(sorted);
    int span = 0;
    for (Detector d : detectors) {
      span = Math.max(span, d.maxSpan());
    }
    this.maxSpan = span;
  }

  public List<Detector> detectors() {
    return detectors;
  }

  /** The longest text any of the detectors can match. */
  public int maxSpan() {
    return maxSpan;
  }

  public boolean isEmpty() {
    return detectors.isEmpty();
  }

  /** The findings in {@code text}, ordered by position, none overlapping, as spans of {@code text}. */
  public List<Finding> scan(String text) {
    if (text == null || text.isEmpty() || detectors.isEmpty()) {
      return List.of();
    }
    NormalizedText normalized = NormalizedText.of(text);
    List<Finding> found = settle(normalized.text);
    if (!normalized.changed() || found.isEmpty()) {
      return found;
    }
    List<Finding> mapped = new ArrayList<>(found.size());
    int lastEnd = 0;
    for (Finding f : found) {
      Finding o = normalized.toOriginal(f);
      // two findings from one expanded character (a ligature) cannot both own it
      if (o.start() >= lastEnd) {
        mapped.add(o);
        lastEnd = o.end();
      }
    }
    return mapped;
  }

  /**
   * Runs the detectors from the highest priority down and keeps, in each priority, the longest
   * findings first that overlap nothing kept before: the same greedy order as sorting all findings
   * by (priority, length, position), computed as it goes so that a detector can skip candidates
   * that a finding of higher priority already owns (see {@link Detector#detect(String, IntPredicate, List)}).
   */
  private List<Finding> settle(String text) {
    TextFacts facts = new TextFacts(text);
    List<Finding> kept = new ArrayList<>();
    IntPredicate claimed = position -> {
      for (Finding k : kept) {
        if (position >= k.start() && position < k.end()) {
          return true;
        }
      }
      return false;
    };
    List<Finding> group = new ArrayList<>();
    int i = 0;
    while (i < byPriority.size()) {
      int priority = byPriority.get(i).priority();
      group.clear();
      for (; i < byPriority.size() && byPriority.get(i).priority() == priority; i++) {
        Detector d = byPriority.get(i);
        if (d.possibleIn(facts)) {
          d.detect(text, claimed, group);
        }
      }
      if (group.size() > 1) {
        group.sort(Comparator.comparingInt((Finding f) -> -f.length()).thenComparingInt(Finding::start));
      }
      outer:
      for (Finding f : group) {
        for (Finding k : kept) {
          if (k.overlaps(f)) {
            continue outer;
          }
        }
        kept.add(f);
      }
    }
    if (kept.size() > 1) {
      kept.sort(Comparator.comparingInt(Finding::start));
    }
    return kept;
  }
}
