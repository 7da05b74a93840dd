package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A chart over time as markup: the numbers travel in a {@code data-chart} attribute (the CSP
 * allows no inline script) and console.js draws them with uPlot. Without script, the figure's
 * caption still says what the chart holds.
 */
final class Charts {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One line of a chart: its name and one value per point in time. */
  record Series(String label, double[] values) {}

  private Charts() {
  }

  /**
   * A chart of the series over {@code startsMillis} (one value per start, oldest first).
   *
   * @param unit how values are shown on the axis: "" for counts, "$" for money, "ms" for durations
   */
  static String chart(String id, String title, long[] startsMillis, String unit, List<Series> series) {
    ObjectNode data = JSON.createObjectNode().put("unit", unit);
    ArrayNode x = data.putArray("x");
    for (long t : startsMillis) {
      x.add(t / 1000); // uPlot counts time in seconds
    }
    ArrayNode lines = data.putArray("series");
    StringBuilder caption = new StringBuilder(title).append(": ");
    for (int i = 0; i < series.size(); i++) {
      Series s = series.get(i);
      ObjectNode line = lines.addObject().put("label", s.label());
      ArrayNode values = line.putArray("values");
      double sum = 0;
      double max = 0;
      for (double v : s.values()) {
        values.add(v);
        sum += v;
        max = Math.max(max, v);
      }
      caption.append(i == 0 ? "" : ", ").append(s.label()).append(' ').append(summary(sum, max, unit));
    }
    return "<figure class=\"chart card\" id=\"" + esc(id) + "\"><figcaption>" + esc(caption) + "</figcaption>"
        + "<div class=\"plot\" data-chart=\"" + esc(data.toString()) + "\"></div></figure>";
  }

  /** Counts and money add up over time; durations do not, so their caption gives the highest. */
  private static String summary(double sum, double max, String unit) {
    return switch (unit) {
      case "$" -> "$" + Budgets.money(java.math.BigDecimal.valueOf(sum));
      case "ms" -> "highest " + Math.round(max) + " ms";
      default -> Long.toString(Math.round(sum)) + " in all";
    };
  }
}
