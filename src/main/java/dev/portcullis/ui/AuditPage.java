package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditModule;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.audit.ChainVerifier;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit trail: newest events first, filtered, paged by cursor on the server; and a check of
 * the keyed hash chain and its checkpoints, the same one {@code GET /admin/audit/verify} runs.
 */
final class AuditPage implements Console.Page {
  static final int PAGE_SIZE = 50;
  private static final String PAGE = "audit";
  private static final int MAX_CHECKPOINTS = 100_000;
  private static final List<String> FILTERS = List.of("surface", "principal", "target", "decision", "outcome");

  /** The audit trail, or null when it is off (the page then says so). */
  private final AuditModule audit;

  AuditPage(AuditModule audit) {
    this.audit = audit;
  }

  @Override
  public void mount(Router router) {
    router.get(Console.BASE + "/audit").handler(ctx -> list(ctx, null));
    router.get(Console.BASE + "/audit/verify").handler(this::verify);
  }

  private record Listing(List<AuditEvent> events, Long nextCursor) {}

  private void list(RoutingContext ctx, ChainVerifier.Report report) {
    Session s = Console.sessionOf(ctx);
    if (audit == null) {
      Replies.html(ctx, 200, Layout.page("Audit", Layout.Nav.AUDIT, s, "<h1>Audit trail</h1><p class=\"muted\">"
          + "The audit trail is off: it needs a store and audit.enabled.</p>"));
      return;
    }
    Map<String, String> filters = new LinkedHashMap<>();
    for (String f : FILTERS) {
      String v = KeysPage.trimmed(ctx.request().getParam(f));
      if (v != null) {
        filters.put(f, v);
      }
    }
    Long cursor;
    try {
      cursor = cursor(ctx.request().getParam("cursor"));
    } catch (IllegalArgumentException e) {
      Replies.error(ctx, 400, "Invalid input", e.getMessage());
      return;
    }
    ConsoleWork work = Console.workOf(ctx);
    Replies.page(ctx, 200, () -> {
      Readings.Reading<Listing> l = work.read(PAGE, filters + "\n" + cursor, s.role, () -> {
        List<AuditEvent> events = audit.repository().query(new AuditRepository.Filter(filters.get("surface"),
            filters.get("principal"), null, filters.get("target"), filters.get("decision"), filters.get("outcome"),
            null, null, null, null, null, cursor, PAGE_SIZE + 1));
        return events.size() > PAGE_SIZE ? new Listing(events.subList(0, PAGE_SIZE), events.get(PAGE_SIZE - 1).seq())
            : new Listing(events, null);
      });
      return Layout.page("Audit", Layout.Nav.AUDIT, s, render(l.value(), filters, report, work.asOf(l)));
    });
  }

  private void verify(RoutingContext ctx) {
    if (audit == null) {
      list(ctx, null);
      return;
    }
    Replies.blocking(ctx, () -> audit.verifier().verify(audit.repository().checkpoints(MAX_CHECKPOINTS).stream()
        .map(jws -> new ChainVerifier.Anchor("store", jws)).toList()), report -> list(ctx, report));
  }

  private static Long cursor(String v) {
    try {
      return v == null || v.isBlank() ? null : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("cursor: not a number: " + v);
    }
  }

  private static String render(Listing l, Map<String, String> filters, ChainVerifier.Report report, String asOf) {
    StringBuilder b = new StringBuilder("<h1>Audit trail</h1>").append(asOf);
    if (report != null) {
      b.append("<section class=\"card\" id=\"verify-result\" role=\"status\"><p class=\"")
          .append(report.ok() ? "ok\"><strong>Chain intact.</strong> " : "error\"><strong>Chain broken.</strong> ")
          .append(report.events()).append(" events checked, ").append(report.checkpoints())
          .append(" checkpoints.</p>");
      if (report.problem() != null) {
        b.append("<p class=\"error\">At event ").append(report.brokenAt()).append(": ").append(esc(report.problem()))
            .append("</p>");
      }
      for (String p : report.anchorProblems()) {
        b.append("<p class=\"error\">").append(esc(p)).append("</p>");
      }
      b.append("</section>");
    }
    b.append("<form method=\"get\" action=\"").append(Console.BASE).append("/audit\" class=\"grid card\">");
    for (String f : FILTERS) {
      b.append("<label>").append(esc(f.substring(0, 1).toUpperCase() + f.substring(1))).append(" <input name=\"")
          .append(f).append("\" value=\"").append(esc(filters.get(f))).append("\"></label>");
    }
    b.append("<button type=\"submit\">Filter</button></form>")
        .append("<p><a class=\"button\" id=\"verify\" href=\"").append(Console.BASE)
        .append("/audit/verify\">Verify the chain</a></p>")
        .append("<div class=\"table-wrap\"><table id=\"audit\"><thead><tr><th>#</th><th>Time</th><th>Surface</th>")
        .append("<th>Action</th><th>Principal</th><th>Target</th><th>Decision</th><th>Outcome</th></tr></thead><tbody>");
    if (l.events().isEmpty()) {
      b.append("<tr><td colspan=\"8\" class=\"empty\">No events.</td></tr>");
    }
    for (AuditEvent e : l.events()) {
      b.append("<tr><td data-label=\"#\">").append(e.seq()).append("</td><td data-label=\"Time\">")
          .append(esc(Instant.ofEpochMilli(e.ts()))).append("</td><td data-label=\"Surface\">").append(esc(e.surface()))
          .append("</td><td data-label=\"Action\">").append(esc(e.action())).append("</td><td data-label=\"Principal\">")
          .append(esc(e.principal())).append("</td><td data-label=\"Target\">").append(esc(e.target()))
          .append("</td><td data-label=\"Decision\" title=\"").append(esc(e.reason())).append("\">")
          .append(esc(e.decision())).append("</td><td data-label=\"Outcome\">").append(esc(e.outcome()))
          .append(e.status() == null ? "" : " (" + e.status() + ")").append("</td></tr>");
    }
    b.append("</tbody></table>");
    if (l.nextCursor() != null) {
      StringBuilder q = new StringBuilder();
      filters.forEach((k, v) -> q.append(k).append('=').append(Html.url(v)).append('&'));
      b.append("<nav class=\"pager\"><a rel=\"next\" href=\"").append(esc(Console.BASE + "/audit?" + q + "cursor="
          + l.nextCursor())).append("\">Older events</a></nav>");
    }
    return b.append("</div>").toString();
  }
}
