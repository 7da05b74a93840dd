package dev.portcullis.admin;

import dev.portcullis.limits.Accountant;
import dev.portcullis.store.UsageRepository;
import java.util.List;

/** A usage report as CSV, the same for the admin API and the console's download. */
public final class UsageCsv {
  private UsageCsv() {
  }

  /** One header line (the grouping dimensions, then the sums) and one line per row. */
  public static String render(List<String> groupBy, List<UsageRepository.UsageRow> rows) {
    StringBuilder sb = new StringBuilder();
    for (String g : groupBy) {
      sb.append(g).append(',');
    }
    sb.append("requests,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,cost_usd\n");
    for (UsageRepository.UsageRow r : rows) {
      for (String g : groupBy) {
        sb.append(csvCell(r.group().get(g))).append(',');
      }
      sb.append(r.requests()).append(',').append(r.promptTokens()).append(',').append(r.completionTokens())
          .append(',').append(r.cachedTokens()).append(',').append(r.reasoningTokens()).append(',')
          .append(Accountant.usd(r.costNanos())).append('\n');
    }
    return sb.toString();
  }

  private static String csvCell(String v) {
    if (v == null) {
      return "";
    }
    String s = v;
    if (!s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0) {
      s = "'" + s; // no formulas in spreadsheets
    }
    return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
