package dev.portcullis.guard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Consecutive parts of one message scanned as one text, so that a value split across parts
 * ({@code "a@b"} + {@code ".com"}) is found. The parts are joined without a separator (any
 * separator would break the split value again), which could glue the end of one part to the
 * start of the next into a longer match; so each part is also scanned alone, and a finding of
 * the joined text counts only where it crosses a boundary and overlaps nothing found in a
 * single part.
 */
record JoinedParts(String text, int[] starts, List<Finding> findings) {

  static JoinedParts scan(List<String> parts, Scanner scanner) {
    int[] starts = new int[parts.size() + 1];
    StringBuilder b = new StringBuilder();
    List<Finding> found = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      starts[i] = b.length();
      String p = parts.get(i);
      for (Finding f : scanner.scan(p)) {
        found.add(f.shifted(starts[i]));
      }
      b.append(p);
    }
    starts[parts.size()] = b.length();
    String text = b.toString();
    int alone = found.size();
    outer:
    for (Finding f : scanner.scan(text)) {
      if (!crossesBoundary(starts, f)) {
        continue;
      }
      for (int i = 0; i < alone; i++) {
        if (found.get(i).overlaps(f)) {
          continue outer;
        }
      }
      found.add(f);
    }
    found.sort(Comparator.comparingInt(Finding::start));
    return new JoinedParts(text, starts, found);
  }

  /** Where part {@code i} starts in the joined text ({@code i == parts} gives its length). */
  int start(int i) {
    return starts[i];
  }

  private static boolean crossesBoundary(int[] starts, Finding f) {
    for (int i = 1; i < starts.length - 1; i++) {
      if (f.start() < starts[i] && f.end() > starts[i]) {
        return true;
      }
    }
    return false;
  }
}
