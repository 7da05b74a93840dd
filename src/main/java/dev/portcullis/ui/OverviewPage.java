package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import dev.portcullis.audit.AuditModule;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.limits.Accountant;
import dev.portcullis.store.UsageRepository;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * The gateway at a glance: today's (UTC) requests, tokens and spend; requests, errors, refusals,
 * spend and latency over the last hour, day or week as charts; the busiest keys, models and
 * tools of that window. The section polls for fresh numbers every few seconds (htmx), so it is
 * live without a reload; each poll is a handful of bounded, aggregated queries over the store's
 * sums (per minute for the hour, per hour from the day up: never the usage rows, whose number
 * grows with the traffic), and one reading serves every browser for the console's reuse time (a
 * week's for a minute).
 */
final class OverviewPage implements Console.Page {
  static final int TOP = 5;
  private static final String PAGE = "overview";
  private static final int REFRESH_SECONDS = 5;
  private static final String TOOLS_CALL = "tools/call";
  private static final String REFUSED = "refused";
  /** Every audit outcome that says the gateway refused the call (the pipeline names each kind). */
  private static final List<String> REFUSALS = List.of(REFUSED, "denied", "not_approved", "rate_limited",
      "budget_exceeded");

  /** The windows the overview shows, each cut into a fixed number of intervals. */
  enum Window {
    // whole minutes for the hour, whole hours from the day up: the store answers those from its
    // minute and hourly sums, not the rows
    HOUR("1h", "last hour", 3_600_000L, 60_000L, 0),
    DAY("24h", "last 24 hours", 86_400_000L, 3_600_000L, 0),
    WEEK("7d", "last 7 days", 7 * 86_400_000L, 3_600_000L, 60_000L);

    final String id;
    final String label;
    final long spanMillis;
    final long bucketMillis;
    /**
     * How long one reading serves every browser showing this window, when longer than the
     * console's reuse time: every open overview polls every few seconds, and a week in hours does
     * not change visibly in a minute, so operators keeping it open all day cost the store one set
     * of queries a minute, not one per browser.
     */
    final long reuseMillis;

    Window(String id, String label, long spanMillis, long bucketMillis, long reuseMillis) {
      this.id = id;
      this.label = label;
      this.spanMillis = spanMillis;
      this.bucketMillis = bucketMillis;
      this.reuseMillis = reuseMillis;
    }

    int buckets() {
      return (int) (spanMillis / bucketMillis);
    }

    /** The first interval's start: whole intervals, the last one holding {@code now}. */
    long from(long now) {
      return (now / bucketMillis + 1) * bucketMillis - spanMillis;
    }

    static Window parse(String v) {
      if (v == null || v.isBlank()) {
        return DAY;
      }
      for (Window w : values()) {
        if (w.id.equals(v.trim())) {
          return w;
        }
      }
      throw new IllegalArgumentException("window: expected 1h, 24h or 7d, not " + v);
    }
  }

  private final UsageRepository usage;
  /** The audit trail (refusals, tools), or null when it is off. */
  private final AuditModule audit;

  OverviewPage(UsageRepository usage, AuditModule audit) {
    this.usage = usage;
    this.audit = audit;
  }

  @Override
  public void mount(Router router) {
    router.get(Console.BASE + "/overview").handler(ctx -> numbers(ctx, true));
    router.get(Console.BASE + "/overview/numbers").handler(ctx -> numbers(ctx, false));
  }

  private record Numbers(Window window, Instant today, UsageRepository.UsageRow total, long from,
      List<UsageRepository.Bucket> timeline, List<AuditRepository.Count> refusals, List<UsageRepository.UsageRow> keys,
      List<UsageRepository.UsageRow> models, List<AuditRepository.Count> tools) {}

  private void numbers(RoutingContext ctx, boolean wholePage) {
    Window window;
    try {
      window = Window.parse(ctx.request().getParam("window"));
    } catch (IllegalArgumentException e) {
      Replies.error(ctx, 400, "Invalid input", e.getMessage());
      return;
    }
    Session session = Console.sessionOf(ctx);
    ConsoleWork work = Console.workOf(ctx);
    Replies.page(ctx, 200, () -> {
      Readings.Reading<Numbers> r = work.read(PAGE, window.id, session.role, window.reuseMillis, () -> read(window));
      String fragment = fragment(r.value(), work.asOf(r));
      return wholePage ? Layout.page("Overview", Layout.Nav.OVERVIEW, session, "<h1>Overview</h1>"
          + windows(r.value().window()) + fragment) : fragment;
    });
  }

  private Numbers read(Window window) {
    long now = System.currentTimeMillis();
    Instant today = Instant.ofEpochMilli(now).atOffset(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).toInstant();
    // up to the end of this hour (nothing is later than now): whole hours, read from the hourly sums
    long hourEnd = (now / 3_600_000L + 1) * 3_600_000L;
    List<UsageRepository.UsageRow> all = usage.report(today.toEpochMilli(), hourEnd, List.of(), Map.of());
    long from = window.from(now);
    long to = from + window.spanMillis;
    AuditRepository trail = audit == null ? null : audit.repository();
    return new Numbers(window, today, all.isEmpty() ? null : all.get(0), from,
        usage.timeline(from, to, window.bucketMillis, Map.of()),
        trail == null ? List.of() : trail.outcomeTimeline(from, to, window.bucketMillis, REFUSED, REFUSALS),
        usage.report(from, to, List.of("key"), Map.of(), TOP, true),
        usage.report(from, to, List.of("model"), Map.of(), TOP, true),
        trail == null ? List.of() : trail.topTargets(from, to, TOOLS_CALL, TOP));
  }

  private static String windows(Window current) {
    StringBuilder b = new StringBuilder("<nav class=\"windows\" aria-label=\"Time window\">");
    for (Window w : Window.values()) {
      b.append("<a href=\"").append(Console.BASE).append("/overview?window=").append(w.id).append('"')
          .append(w == current ? " aria-current=\"page\"" : "").append('>').append(esc(w.label)).append("</a>");
    }
    return b.append("</nav>").toString();
  }

  private String fragment(Numbers n, String asOf) {
    UsageRepository.UsageRow r = n.total();
    long requests = r == null ? 0 : r.requests();
    long tokens = r == null ? 0 : r.promptTokens() + r.completionTokens();
    StringBuilder b = new StringBuilder();
    b.append("<section id=\"overview\" hx-get=\"").append(Console.BASE).append("/overview/numbers?window=")
        .append(n.window().id).append("\" hx-trigger=\"every ").append(REFRESH_SECONDS).append("s\" hx-swap=\"outerHTML\">")
        .append("<p class=\"muted\">Today since ").append(esc(n.today())).append(", refreshed every ")
        .append(REFRESH_SECONDS).append(" seconds.</p>").append(asOf).append("<div class=\"tiles\">")
        .append(tile("Requests", "requests-today", Long.toString(requests)))
        .append(tile("Tokens", "tokens-today", Long.toString(tokens)))
        .append(tile("Spend", "spend-today", "$" + money(r == null ? 0 : r.costNanos())))
        .append("</div>")
        .append(charts(n))
        .append("<div class=\"tops\">")
        .append(top("Top keys", "top-keys", "Key", n.keys(), "key"))
        .append(top("Top models", "top-models", "Model", n.models(), "model"))
        .append(topTools(n.tools()))
        .append("</div>");
    return b.append("</section>").toString();
  }

  private String charts(Numbers n) {
    Window w = n.window();
    int size = w.buckets();
    long[] starts = new long[size];
    double[] requests = new double[size];
    double[] errors = new double[size];
    double[] refusals = new double[size];
    double[] spend = new double[size];
    double[] meanLatency = new double[size];
    double[] maxLatency = new double[size];
    for (int i = 0; i < size; i++) {
      starts[i] = n.from() + i * w.bucketMillis;
    }
    for (UsageRepository.Bucket bucket : n.timeline()) {
      int i = index(n.from(), w, bucket.startMillis());
      requests[i] = bucket.requests();
      errors[i] = bucket.errors();
      spend[i] = Double.parseDouble(Accountant.usd(bucket.costNanos()));
      meanLatency[i] = Math.round(bucket.meanLatencyMillis());
      maxLatency[i] = bucket.maxLatencyMillis();
    }
    for (AuditRepository.Count c : n.refusals()) {
      refusals[index(n.from(), w, c.startMillis())] = c.count();
    }
    String per = w.bucketMillis >= 3_600_000L ? (w.bucketMillis / 3_600_000L) + " h" : (w.bucketMillis / 60_000L) + " min";
    return "<h2>" + esc(Character.toUpperCase(w.label.charAt(0)) + w.label.substring(1)) + ", per " + per + "</h2>"
        + "<div class=\"charts\">"
        + Charts.chart("traffic-chart", "Traffic", starts, "", List.of(new Charts.Series("requests", requests),
            new Charts.Series("errors", errors), new Charts.Series("refusals", refusals)))
        + Charts.chart("spend-chart", "Spend", starts, "$", List.of(new Charts.Series("spend", spend)))
        + Charts.chart("latency-chart", "Latency", starts, "ms", List.of(new Charts.Series("mean", meanLatency),
            new Charts.Series("max", maxLatency)))
        + "</div>";
  }

  private static int index(long from, Window w, long start) {
    return (int) Math.min(w.buckets() - 1, Math.max(0, (start - from) / w.bucketMillis));
  }

  private static String top(String title, String id, String column, List<UsageRepository.UsageRow> rows, String dim) {
    StringBuilder b = new StringBuilder("<div><h2>").append(esc(title)).append("</h2><div class=\"table-wrap\"><table id=\"")
        .append(id).append("\"><thead><tr><th>").append(esc(column))
        .append("</th><th>Requests</th><th>Tokens</th><th>Spend</th></tr></thead><tbody>");
    if (rows.isEmpty()) {
      b.append("<tr><td colspan=\"4\" class=\"empty\">No requests.</td></tr>");
    }
    for (UsageRepository.UsageRow m : rows) {
      String v = m.group().get(dim);
      b.append("<tr><td data-label=\"").append(esc(column)).append("\">")
          .append(v == null ? "<span class=\"muted\">none</span>" : esc(v)).append("</td><td data-label=\"Requests\">")
          .append(m.requests()).append("</td><td data-label=\"Tokens\">").append(m.promptTokens() + m.completionTokens())
          .append("</td><td data-label=\"Spend\">$").append(esc(money(m.costNanos()))).append("</td></tr>");
    }
    return b.append("</tbody></table></div></div>").toString();
  }

  private String topTools(List<AuditRepository.Count> tools) {
    StringBuilder b = new StringBuilder("<div><h2>Top tools</h2><div class=\"table-wrap\"><table id=\"top-tools\">")
        .append("<thead><tr><th>Tool</th><th>Calls</th></tr></thead><tbody>");
    if (tools.isEmpty()) {
      b.append("<tr><td colspan=\"2\" class=\"empty\">").append(audit == null ? "The audit trail is off." : "No tool calls.")
          .append("</td></tr>");
    }
    for (AuditRepository.Count c : tools) {
      b.append("<tr><td data-label=\"Tool\">").append(esc(c.label())).append("</td><td data-label=\"Calls\">")
          .append(c.count()).append("</td></tr>");
    }
    return b.append("</tbody></table></div></div>").toString();
  }

  private static String money(long nanos) {
    return Budgets.money(new BigDecimal(Accountant.usd(nanos)));
  }

  private static String tile(String label, String id, String value) {
    return "<div class=\"tile\"><span class=\"label\">" + esc(label) + "</span><output id=\"" + id + "\">"
        + esc(value) + "</output></div>";
  }
}
