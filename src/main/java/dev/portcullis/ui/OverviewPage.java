package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import dev.portcullis.limits.Accountant;
import dev.portcullis.store.UsageRepository;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Today's traffic in numbers (UTC day): requests, tokens and spend from the usage records, and
 * the busiest models. The numbers refresh themselves every few seconds (htmx polling a fragment).
 */
final class OverviewPage implements Console.Page {
  static final int TOP = 5;
  private static final int REFRESH_SECONDS = 5;

  private final UsageRepository usage;

  OverviewPage(UsageRepository usage) {
    this.usage = usage;
  }

  @Override
  public void mount(Router router) {
    router.get(Console.BASE + "/overview").handler(ctx -> numbers(ctx, true));
    router.get(Console.BASE + "/overview/numbers").handler(ctx -> numbers(ctx, false));
  }

  private record Today(Instant from, UsageRepository.UsageRow total, List<UsageRepository.UsageRow> models) {}

  private void numbers(RoutingContext ctx, boolean wholePage) {
    Replies.blocking(ctx, () -> {
      long now = System.currentTimeMillis();
      Instant from = Instant.ofEpochMilli(now).atOffset(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).toInstant();
      List<UsageRepository.UsageRow> all = usage.report(from.toEpochMilli(), now + 1, List.of(), Map.of());
      List<UsageRepository.UsageRow> models = usage.report(from.toEpochMilli(), now + 1, List.of("model"), Map.of())
          .stream().sorted(Comparator.comparingLong(UsageRepository.UsageRow::requests).reversed()).limit(TOP)
          .toList();
      return new Today(from, all.isEmpty() ? null : all.get(0), models);
    }, today -> {
      String fragment = fragment(today);
      Replies.html(ctx, 200, wholePage ? Layout.page("Overview", Layout.Nav.OVERVIEW, Console.sessionOf(ctx),
          "<h1>Overview</h1>" + fragment) : fragment);
    });
  }

  private static String fragment(Today t) {
    UsageRepository.UsageRow r = t.total();
    long requests = r == null ? 0 : r.requests();
    long tokens = r == null ? 0 : r.promptTokens() + r.completionTokens();
    BigDecimal spend = new BigDecimal(Accountant.usd(r == null ? 0 : r.costNanos()));
    StringBuilder b = new StringBuilder();
    b.append("<section id=\"overview\" hx-get=\"").append(Console.BASE).append("/overview/numbers\" hx-trigger=\"every ")
        .append(REFRESH_SECONDS).append("s\" hx-swap=\"outerHTML\">")
        .append("<p class=\"muted\">Today since ").append(esc(t.from())).append(", refreshed every ")
        .append(REFRESH_SECONDS).append(" seconds.</p><div class=\"tiles\">")
        .append(tile("Requests", "requests-today", Long.toString(requests)))
        .append(tile("Tokens", "tokens-today", Long.toString(tokens)))
        .append(tile("Spend", "spend-today", "$" + Budgets.money(spend)))
        .append("</div><h2>Top models today</h2><div class=\"table-wrap\"><table id=\"top-models\"><thead><tr>")
        .append("<th>Model</th><th>Requests</th><th>Tokens</th><th>Spend</th></tr></thead><tbody>");
    if (t.models().isEmpty()) {
      b.append("<tr><td colspan=\"4\" class=\"empty\">No requests today.</td></tr>");
    }
    for (UsageRepository.UsageRow m : t.models()) {
      b.append("<tr><td data-label=\"Model\">").append(esc(m.group().get("model"))).append("</td><td data-label=\"Requests\">")
          .append(m.requests()).append("</td><td data-label=\"Tokens\">").append(m.promptTokens() + m.completionTokens())
          .append("</td><td data-label=\"Spend\">$").append(esc(Budgets.money(new BigDecimal(Accountant.usd(m.costNanos())))))
          .append("</td></tr>");
    }
    return b.append("</tbody></table></div></section>").toString();
  }

  private static String tile(String label, String id, String value) {
    return "<div class=\"tile\"><span class=\"label\">" + esc(label) + "</span><output id=\"" + id + "\">"
        + esc(value) + "</output></div>";
  }
}
