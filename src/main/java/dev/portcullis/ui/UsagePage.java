package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import dev.portcullis.admin.UsageCsv;
import dev.portcullis.limits.Accountant;
import dev.portcullis.store.UsageRepository;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The usage report: sums of requests, tokens and spend between two UTC days, grouped by up to
 * two dimensions and filtered; a chart of requests and spend per day; the same report as CSV.
 * Every answer is bounded: the range in days, the groups on the page and in the download.
 */
final class UsagePage implements Console.Page {
  static final long DAY = 86_400_000L;
  /** The filters the report takes, in the order the form shows them. */
  static final List<String> FILTERS = List.of("key", "team", "model", "deployment", "persona");
  static final List<String> GROUPINGS = List.of("model", "key", "team", "deployment", "persona", "day");
  private static final int MAX_GROUPINGS = 2;
  private static final int DEFAULT_DAYS = 30;
  private static final String PAGE = "usage";
  private static final String CSV = "usage.csv";

  private final UsageRepository usage;
  private final Console.Limits limits;

  UsagePage(UsageRepository usage, Console.Limits limits) {
    this.usage = usage;
    this.limits = limits;
  }

  @Override
  public void mount(Router router) {
    router.get(Console.BASE + "/usage").handler(this::show);
    router.get(Console.BASE + "/usage.csv").handler(this::csv);
  }

  /** What the operator asked for: a range of whole UTC days (both inclusive), groupings, filters. */
  record Query(LocalDate from, LocalDate to, List<String> groupBy, Map<String, String> filters) {
    long fromMillis() {
      return from.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    long toMillis() {
      return to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    String queryString() {
      StringBuilder q = new StringBuilder("from=").append(from).append("&to=").append(to);
      groupBy.forEach(g -> q.append("&group_by=").append(Html.url(g)));
      filters.forEach((k, v) -> q.append('&').append(k).append('=').append(Html.url(v)));
      return q.toString();
    }
  }

  private record Report(Query query, List<UsageRepository.UsageRow> rows, boolean cut,
      List<UsageRepository.Bucket> days) {}

  private void show(RoutingContext ctx) {
    Query q;
    try {
      q = query(ctx);
    } catch (IllegalArgumentException e) {
      Replies.error(ctx, 400, "Invalid input", e.getMessage());
      return;
    }
    int max = limits.pageRows();
    Session session = Console.sessionOf(ctx);
    ConsoleWork work = Console.workOf(ctx);
    Replies.page(ctx, 200, () -> {
      Readings.Reading<Report> r = work.read(PAGE, q.queryString(), session.role, () -> {
        List<UsageRepository.UsageRow> rows = usage.report(q.fromMillis(), q.toMillis(), q.groupBy(), q.filters(),
            max + 1, false);
        List<UsageRepository.Bucket> days = usage.timeline(q.fromMillis(), q.toMillis(), DAY, q.filters());
        return new Report(q, rows.size() > max ? rows.subList(0, max) : rows, rows.size() > max, days);
      });
      return Layout.page("Usage", Layout.Nav.USAGE, session, render(r.value(), max, work.asOf(r)));
    });
  }

  private void csv(RoutingContext ctx) {
    Query q;
    try {
      q = query(ctx);
    } catch (IllegalArgumentException e) {
      Replies.error(ctx, 400, "Invalid input", e.getMessage());
      return;
    }
    int max = limits.csvRows();
    Role role = Console.sessionOf(ctx).role;
    ConsoleWork work = Console.workOf(ctx);
    // read and written out on the console's threads (up to csv_rows lines); kept among the shared
    // readings only when no longer than a page, shared with whoever asks meanwhile in any case
    Replies.blocking(ctx, () -> work.download(CSV, q.queryString(), role, () -> {
      List<UsageRepository.UsageRow> rows = usage.report(q.fromMillis(), q.toMillis(), q.groupBy(), q.filters(),
          max + 1, false);
      return new Csv(UsageCsv.render(q.groupBy(), rows.size() > max ? rows.subList(0, max) : rows), rows.size() > max,
          rows.size());
    }, csv -> csv.groups() <= limits.pageRows()).value(), csv -> {
      var r = ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/csv; charset=utf-8")
          .putHeader("content-disposition", "attachment; filename=\"portcullis-usage-" + q.from() + "-" + q.to()
              + ".csv\"");
      if (csv.cut()) { // said in a header: a line in the file would break its columns
        r.putHeader("x-portcullis-truncated", "first " + max + " groups");
      }
      r.end(csv.text());
    });
  }

  private record Csv(String text, boolean cut, int groups) {}

  Query query(RoutingContext ctx) {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    LocalDate to = date(ctx.request().getParam("to"), "to", today);
    // by default the last 30 days, or fewer when a report may not span that many
    LocalDate from = date(ctx.request().getParam("from"), "from", to.minusDays(Math.min(DEFAULT_DAYS,
        limits.maxRangeDays()) - 1));
    if (from.isAfter(to)) {
      throw new IllegalArgumentException("from (" + from + ") is after to (" + to + ")");
    }
    if (from.plusDays(limits.maxRangeDays()).isBefore(to.plusDays(1))) {
      throw new IllegalArgumentException("the range may span at most " + limits.maxRangeDays() + " days");
    }
    List<String> groupBy = new ArrayList<>();
    for (String g : ctx.request().params().getAll("group_by")) {
      String v = g == null ? "" : g.trim();
      if (v.isEmpty() || groupBy.contains(v)) {
        continue;
      }
      if (!GROUPINGS.contains(v)) {
        throw new IllegalArgumentException("cannot group by '" + v + "' (expected one of " + GROUPINGS + ")");
      }
      groupBy.add(v);
    }
    if (groupBy.size() > MAX_GROUPINGS) {
      throw new IllegalArgumentException("group by at most " + MAX_GROUPINGS + " dimensions");
    }
    Map<String, String> filters = new LinkedHashMap<>();
    for (String f : FILTERS) {
      String v = KeysPage.trimmed(ctx.request().getParam(f));
      if (v != null) {
        filters.put(f, v);
      }
    }
    return new Query(from, to, List.copyOf(groupBy), filters);
  }

  private static LocalDate date(String v, String name, LocalDate otherwise) {
    if (v == null || v.isBlank()) {
      return otherwise;
    }
    try {
      return LocalDate.parse(v.trim());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + ": not a date (use 2026-01-31): " + v);
    }
  }

  private static String render(Report r, int max, String asOf) {
    Query q = r.query();
    StringBuilder b = new StringBuilder("<h1>Usage</h1>").append(asOf)
        .append("<form method=\"get\" action=\"").append(Console.BASE).append("/usage\" class=\"grid card\" id=\"usage-form\">")
        .append("<label>From <input type=\"date\" name=\"from\" value=\"").append(q.from()).append("\"></label>")
        .append("<label>To <input type=\"date\" name=\"to\" value=\"").append(q.to()).append("\"></label>");
    for (int i = 0; i < MAX_GROUPINGS; i++) {
      String chosen = i < q.groupBy().size() ? q.groupBy().get(i) : "";
      b.append("<label>").append(i == 0 ? "Group by" : "Then by").append(" <select name=\"group_by\">")
          .append("<option value=\"\">").append(i == 0 ? "nothing (totals)" : "nothing more").append("</option>");
      for (String g : GROUPINGS) {
        b.append("<option").append(g.equals(chosen) ? " selected" : "").append(">").append(g).append("</option>");
      }
      b.append("</select></label>");
    }
    for (String f : FILTERS) {
      b.append("<label>").append(Character.toUpperCase(f.charAt(0))).append(f.substring(1))
          .append(" <input name=\"").append(f).append("\" value=\"").append(esc(q.filters().get(f))).append("\"></label>");
    }
    b.append("<button type=\"submit\">Show</button></form>");
    b.append(dailyCharts(q, r.days()));
    b.append("<p><a class=\"button\" id=\"usage-csv\" href=\"").append(esc(Console.BASE + "/usage.csv?" + q.queryString()))
        .append("\" download>Download CSV</a></p>");
    if (r.cut()) {
      b.append("<p class=\"muted\" id=\"usage-cut\">The first ").append(max)
          .append(" groups are shown; narrow the filters or download the CSV for more.</p>");
    }
    b.append("<div class=\"table-wrap\"><table id=\"usage\"><thead><tr>");
    for (String g : q.groupBy()) {
      b.append("<th>").append(esc(g)).append("</th>");
    }
    b.append("<th>Requests</th><th>Prompt tokens</th><th>Completion tokens</th><th>Spend</th></tr></thead><tbody>");
    int columns = q.groupBy().size() + 4;
    if (r.rows().isEmpty()) {
      b.append("<tr><td colspan=\"").append(columns).append("\" class=\"empty\">No usage in this range.</td></tr>");
    }
    for (UsageRepository.UsageRow row : r.rows()) {
      b.append("<tr>");
      for (String g : q.groupBy()) {
        String v = row.group().get(g);
        b.append("<td data-label=\"").append(esc(g)).append("\">").append(v == null ? "<span class=\"muted\">none</span>"
            : esc(v)).append("</td>");
      }
      b.append("<td data-label=\"Requests\">").append(row.requests()).append("</td><td data-label=\"Prompt tokens\">")
          .append(row.promptTokens()).append("</td><td data-label=\"Completion tokens\">").append(row.completionTokens())
          .append("</td><td data-label=\"Spend\">$")
          .append(esc(Budgets.money(new BigDecimal(Accountant.usd(row.costNanos()))))).append("</td></tr>");
    }
    return b.append("</tbody></table></div>").toString();
  }

  /** Requests and spend per day over the whole range, days without requests as zero. */
  private static String dailyCharts(Query q, List<UsageRepository.Bucket> days) {
    int n = (int) ((q.toMillis() - q.fromMillis()) / DAY);
    long[] starts = new long[n];
    double[] requests = new double[n];
    double[] errors = new double[n];
    double[] spend = new double[n];
    for (int i = 0; i < n; i++) {
      starts[i] = q.fromMillis() + i * DAY;
    }
    for (UsageRepository.Bucket d : days) {
      int i = (int) ((d.startMillis() - q.fromMillis()) / DAY);
      requests[i] = d.requests();
      errors[i] = d.errors();
      spend[i] = Double.parseDouble(Accountant.usd(d.costNanos()));
    }
    return "<div class=\"charts\">" + Charts.chart("usage-requests-chart", "Requests per day", starts, "",
        List.of(new Charts.Series("requests", requests), new Charts.Series("errors", errors)))
        + Charts.chart("usage-spend-chart", "Spend per day", starts, "$", List.of(new Charts.Series("spend", spend)))
        + "</div>";
  }
}
