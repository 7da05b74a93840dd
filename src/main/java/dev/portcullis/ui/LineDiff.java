package dev.portcullis.ui;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff of two short texts (tool definitions), by longest common subsequence, for showing
 * them side by side. Inputs longer than {@link #MAX_LINES} are compared line by line instead.
 */
final class LineDiff {
  static final int MAX_LINES = 2_000;

  /** One row of the side-by-side view: either side may be absent (null); {@code same} when equal. */
  record Row(String left, String right, boolean same) {}

  private LineDiff() {
  }

  static List<Row> rows(String before, String after) {
    String[] a = before.split("\n", -1);
    String[] b = after.split("\n", -1);
    List<Row> out = new ArrayList<>();
    if (a.length > MAX_LINES || b.length > MAX_LINES) {
      for (int i = 0; i < Math.max(a.length, b.length); i++) {
        String l = i < a.length ? a[i] : null;
        String r = i < b.length ? b[i] : null;
        out.add(new Row(l, r, l != null && l.equals(r)));
      }
      return out;
    }
    int[][] lcs = new int[a.length + 1][b.length + 1];
    for (int i = a.length - 1; i >= 0; i--) {
      for (int j = b.length - 1; j >= 0; j--) {
        lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    int i = 0;
    int j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i].equals(b[j])) {
        out.add(new Row(a[i++], b[j++], true));
      } else if (j < b.length && (i == a.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
        out.add(new Row(null, b[j++], false));
      } else {
        out.add(new Row(a[i++], null, false));
      }
    }
    return out;
  }
}
