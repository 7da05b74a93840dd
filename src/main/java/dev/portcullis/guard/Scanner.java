package dev.portcullis.guard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs a set of detectors over a text and settles overlaps: where two findings overlap, the
 * one from the detector with the higher priority wins (a connection string over the e-mail
 * address inside it, an IBAN over the phone number its digits resemble), then the longer one.
 * Detectors see the text normalised ({@link NormalizedText}: NFKC, invisible format characters
 * removed); the findings it returns are spans of the original text. Immutable and thread-safe.
 */
public final class Scanner {
  private final List<Detector> detectors;
  private final int maxSpan;

  public Scanner(List<Detector> detectors) {
    this.detectors = List.copyOf(detectors);
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

  private List<Finding> settle(String text) {
    List<Ranked> all = new ArrayList<>();
    List<Finding> buf = new ArrayList<>();
    TextFacts facts = new TextFacts(text);
    for (Detector d : detectors) {
      if (!d.possibleIn(facts)) {
        continue;
      }
      buf.clear();
      d.detect(text, buf);
      for (Finding f : buf) {
        all.add(new Ranked(f, d.priority()));
      }
    }
    if (all.isEmpty()) {
      return List.of();
    }
    if (all.size() == 1) {
      return List.of(all.get(0).finding);
    }
    all.sort(Comparator.comparingInt((Ranked r) -> -r.priority)
        .thenComparingInt(r -> -r.finding.length())
        .thenComparingInt(r -> r.finding.start()));
    List<Finding> kept = new ArrayList<>();
    outer:
    for (Ranked r : all) {
      for (Finding k : kept) {
        if (k.overlaps(r.finding)) {
          continue outer;
        }
      }
      kept.add(r.finding);
    }
    kept.sort(Comparator.comparingInt(Finding::start));
    return kept;
  }

  private record Ranked(Finding finding, int priority) {}
}
