package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.admin.KeyAdmin;
import dev.portcullis.identity.Team;
import dev.portcullis.store.KeyRepository;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Virtual keys: a searchable list paged on the server, create (the secret shown once), disable,
 * enable, rotate, delete, and each key's spend against its budget. The changes go through
 * {@link KeyAdmin}, as the REST API's do, so the gateway's key directory follows at once.
 */
final class KeysPage implements Console.Page {
  static final int PAGE_SIZE = 25;
  /** The deepest page served: past it a search narrows better than paging. */
  static final int MAX_PAGE = 4_000;
  private static final String PAGE = "keys";
  private static final List<String> CREATE_FIELDS = List.of("name", "team", "owner", "models", "rpm", "tpm",
      "max_parallel", "budget_usd", "budget_period", "expires");

  private final KeyAdmin keys;
  private final KeyRepository repository;

  KeysPage(KeyAdmin keys, KeyRepository repository) {
    this.keys = keys;
    this.repository = repository;
  }

  @Override
  public void mount(Router router) {
    String base = Console.BASE + "/keys";
    router.get(base).handler(this::list);
    router.post(base).handler(this::create);
    router.post(base + "/:id/disable").handler(ctx -> change(ctx, () -> keys.setDisabled(id(ctx), true)));
    router.post(base + "/:id/enable").handler(ctx -> change(ctx, () -> keys.setDisabled(id(ctx), false)));
    router.post(base + "/:id/delete").handler(ctx -> change(ctx, () -> keys.delete(id(ctx))));
    router.post(base + "/:id/rotate").handler(this::rotate);
  }

  private record Listing(List<ObjectNode> rows, long total, int page, String search, Map<String, String> teams) {}

  private void list(RoutingContext ctx) {
    show(ctx, 200, null, null);
  }

  /** The list page, with a just-issued secret or a form error above it. */
  private void show(RoutingContext ctx, int status, KeyAdmin.Issued issued, String error) {
    String search = trimmed(ctx.request().getParam("q"));
    int page = pageNumber(ctx.request().getParam("page"));
    Session session = Console.sessionOf(ctx);
    ConsoleWork work = Console.workOf(ctx);
    Replies.page(ctx, status, () -> {
      Readings.Reading<Listing> l = work.read(PAGE, page + "\n" + (search == null ? "" : search), session.role, () -> {
        List<ObjectNode> rows = repository.page(search, (page - 1) * PAGE_SIZE, PAGE_SIZE).stream()
            .map(keys::view).toList();
        Map<String, String> teams = new HashMap<>();
        for (Team t : keys.teams()) {
          teams.put(t.id(), t.name());
        }
        return new Listing(rows, repository.count(search), page, search, teams);
      });
      return Layout.page("Keys", Layout.Nav.KEYS, session, render(session, l.value(), issued, error, work.asOf(l)));
    });
  }

  private void create(RoutingContext ctx) {
    ObjectNode spec = JsonNodeFactory.instance.objectNode();
    for (String f : CREATE_FIELDS) {
      String v = trimmed(ctx.request().getFormAttribute(f));
      if (v != null) {
        spec.put(f, v);
      }
    }
    Replies.blocking(ctx, () -> {
      try {
        return keys.create(spec);
      } catch (IllegalArgumentException e) {
        return e;
      }
    }, r -> {
      if (r instanceof KeyAdmin.Issued issued) {
        show(ctx, 201, issued, null);
      } else {
        show(ctx, 400, null, ((IllegalArgumentException) r).getMessage());
      }
    });
  }

  private void rotate(RoutingContext ctx) {
    Replies.blocking(ctx, () -> keys.rotate(id(ctx)), issued -> show(ctx, 200, issued, null));
  }

  private void change(RoutingContext ctx, java.util.concurrent.Callable<?> work) {
    Replies.blocking(ctx, work, done -> Replies.seeOther(ctx, Console.BASE + "/keys"));
  }

  private static String id(RoutingContext ctx) {
    return ctx.pathParam("id");
  }

  private static String render(Session s, Listing l, KeyAdmin.Issued issued, String error, String asOf) {
    StringBuilder b = new StringBuilder("<h1>Keys</h1>").append(asOf);
    if (issued != null) {
      b.append("""
          <section class="card secret" role="status">
            <p>The secret of <strong>%s</strong>, shown this once: copy it now.</p>
            <p><output id="new-secret">%s</output>
               <button type="button" data-copy="new-secret">Copy</button></p>
          </section>
          """.formatted(esc(issued.key().name()), esc(issued.secret())));
    }
    if (error != null) {
      b.append("<p class=\"error\" role=\"alert\" id=\"form-error\">").append(esc(error)).append("</p>");
    }
    b.append("""
        <form class="search" method="get" action="%1$s/keys" role="search"
              hx-get="%1$s/keys" hx-trigger="input changed delay:300ms from:#q, submit" hx-target="#keys"
              hx-select="#keys" hx-swap="outerHTML" hx-push-url="true">
          <input type="search" id="q" name="q" value="%2$s" placeholder="Search name, owner or key prefix"
                 aria-label="Search keys">
          <button type="submit">Search</button>
        </form>
        """.formatted(Console.BASE, esc(l.search())));
    b.append("<div id=\"keys\" class=\"table-wrap\"><table><thead><tr><th>Name</th><th>Prefix</th><th>Team</th>"
        + "<th>Owner</th><th>Limits</th><th>Spend / budget</th><th>Status</th><th></th></tr></thead><tbody>");
    if (l.rows().isEmpty()) {
      b.append("<tr><td colspan=\"8\" class=\"empty\">No keys").append(l.search() == null ? "" : " match")
          .append(".</td></tr>");
    }
    for (ObjectNode k : l.rows()) {
      row(b, s, k, l.teams());
    }
    b.append("</tbody></table>");
    pager(b, l);
    b.append("</div>");
    if (s.role.mayChange()) {
      b.append(createForm(s));
    }
    return b.toString();
  }

  private static void row(StringBuilder b, Session s, ObjectNode k, Map<String, String> teams) {
    String id = k.get("id").asText();
    boolean disabled = k.get("disabled").asBoolean();
    b.append("<tr data-key=\"").append(esc(k.get("name").asText())).append("\">")
        .append("<td data-label=\"Name\">").append(esc(k.get("name").asText())).append("</td>")
        .append("<td data-label=\"Prefix\"><code>").append(esc(k.get("key_prefix").asText())).append("…</code></td>")
        .append("<td data-label=\"Team\">").append(esc(teams.get(text(k, "team_id")))).append("</td>")
        .append("<td data-label=\"Owner\">").append(esc(text(k, "owner"))).append("</td>")
        .append("<td data-label=\"Limits\">").append(esc(limits(k))).append("</td>")
        .append("<td data-label=\"Spend / budget\">").append(Budgets.bar(k)).append("</td>")
        .append("<td data-label=\"Status\" class=\"status\">").append(disabled ? "disabled" : "active").append("</td>")
        .append("<td class=\"actions\">");
    if (s.role.mayChange()) {
      String action = Console.BASE + "/keys/" + Html.url(id);
      b.append(button(s, action + (disabled ? "/enable" : "/disable"), disabled ? "Enable" : "Disable", null))
          .append(button(s, action + "/rotate", "Rotate", "Rotate the secret of " + k.get("name").asText()
              + "? The old secret stops working at once."))
          .append(button(s, action + "/delete", "Delete", "Delete the key " + k.get("name").asText() + "?"));
    }
    b.append("</td></tr>");
  }

  private static String button(Session s, String action, String label, String confirm) {
    return "<form method=\"post\" action=\"" + esc(action) + "\"" + (confirm == null ? ""
        : " data-confirm=\"" + esc(confirm) + "\"") + ">" + Layout.csrf(s) + "<button type=\"submit\">"
        + esc(label) + "</button></form>";
  }

  private static void pager(StringBuilder b, Listing l) {
    long pages = Math.max(1, Math.min(MAX_PAGE, (l.total() + PAGE_SIZE - 1) / PAGE_SIZE));
    String q = l.search() == null ? "" : "q=" + Html.url(l.search()) + "&";
    b.append("<nav class=\"pager\" aria-label=\"Pages\"><span>").append(l.total()).append(l.total() == 1 ? " key" : " keys")
        .append(", page ").append(l.page()).append(" of ").append(pages).append("</span>");
    if (l.page() > 1) {
      b.append("<a rel=\"prev\" href=\"").append(esc(Console.BASE + "/keys?" + q + "page=" + (l.page() - 1)))
          .append("\">Previous</a>");
    }
    if (l.page() < pages) {
      b.append("<a rel=\"next\" href=\"").append(esc(Console.BASE + "/keys?" + q + "page=" + (l.page() + 1)))
          .append("\">Next</a>");
    }
    b.append("</nav>");
  }

  private static String createForm(Session s) {
    return """
        <details class="card" id="create-key" %2$s>
          <summary>Create a key</summary>
          <form method="post" action="%1$s/keys" class="grid">
            %3$s
            <label>Name <input name="name" id="new-name" required maxlength="200"></label>
            <label>Team <input name="team" maxlength="200"></label>
            <label>Owner <input name="owner" maxlength="200"></label>
            <label>Models <input name="models" placeholder="gpt-4o, claude-*" maxlength="2000"></label>
            <label>Requests / minute <input name="rpm" inputmode="numeric"></label>
            <label>Tokens / minute <input name="tpm" inputmode="numeric"></label>
            <label>Parallel requests <input name="max_parallel" inputmode="numeric"></label>
            <label>Budget (USD) <input name="budget_usd" inputmode="decimal"></label>
            <label>Budget period <select name="budget_period">
              <option value="">—</option><option>day</option><option>week</option><option>month</option>
              <option>total</option></select></label>
            <label>Expires <input name="expires" placeholder="30d or 2026-12-31"></label>
            <button type="submit" id="create">Create key</button>
          </form>
        </details>
        """.formatted(Console.BASE, "open", Layout.csrf(s));
  }

  static String limits(JsonNode k) {
    StringBuilder b = new StringBuilder();
    for (String[] f : new String[][] {{"rpm", " rpm"}, {"tpm", " tpm"}, {"max_parallel", " parallel"}}) {
      if (k.hasNonNull(f[0])) {
        b.append(b.length() == 0 ? "" : ", ").append(k.get(f[0]).asText()).append(f[1]);
      }
    }
    if (k.has("models") && !k.get("models").isEmpty()) {
      List<String> m = new java.util.ArrayList<>();
      k.get("models").forEach(x -> m.add(x.asText()));
      b.append(b.length() == 0 ? "" : "; ").append(String.join(", ", m));
    }
    return b.length() == 0 ? "none" : b.toString();
  }

  static String text(JsonNode o, String field) {
    JsonNode v = o.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  static String trimmed(String v) {
    return v == null || v.isBlank() ? null : v.trim();
  }

  static int pageNumber(String v) {
    try {
      return v == null ? 1 : Math.max(1, Math.min(MAX_PAGE, Integer.parseInt(v.trim())));
    } catch (NumberFormatException e) {
      return 1;
    }
  }
}
