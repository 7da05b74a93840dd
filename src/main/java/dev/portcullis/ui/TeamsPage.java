package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.admin.KeyAdmin;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** Teams: each with its spend against its budget; create and delete (a team with keys is kept). */
final class TeamsPage implements Console.Page {
  /** Teams are few; past this many the page shows the first ones and says so. */
  static final int MAX_SHOWN = 500;
  private static final String PAGE = "teams";

  private final KeyAdmin keys;

  TeamsPage(KeyAdmin keys) {
    this.keys = keys;
  }

  @Override
  public void mount(Router router) {
    router.get(Console.BASE + "/teams").handler(ctx -> show(ctx, 200, null));
    router.post(Console.BASE + "/teams").handler(this::create);
    router.post(Console.BASE + "/teams/:id/delete").handler(ctx -> Replies.blocking(ctx,
        () -> keys.deleteTeam(ctx.pathParam("id")), t -> Replies.seeOther(ctx, Console.BASE + "/teams")));
  }

  private record Listing(List<ObjectNode> rows, int total) {}

  private void show(RoutingContext ctx, int status, String error) {
    Session session = Console.sessionOf(ctx);
    ConsoleWork work = Console.workOf(ctx);
    Replies.page(ctx, status, () -> {
      Readings.Reading<Listing> l = work.read(PAGE, "", session.role, () -> {
        var all = keys.teams();
        return new Listing(all.stream().limit(MAX_SHOWN).map(keys::view).toList(), all.size());
      });
      return Layout.page("Teams", Layout.Nav.TEAMS, session, render(session, l.value(), error, work.asOf(l)));
    });
  }

  private void create(RoutingContext ctx) {
    ObjectNode spec = JsonNodeFactory.instance.objectNode();
    for (String f : List.of("name", "budget_usd", "budget_period")) {
      String v = KeysPage.trimmed(ctx.request().getFormAttribute(f));
      if (v != null) {
        spec.put(f, v);
      }
    }
    Replies.blocking(ctx, () -> {
      try {
        keys.createTeam(spec);
        return null;
      } catch (IllegalArgumentException e) {
        return e.getMessage();
      }
    }, error -> {
      if (error == null) {
        Replies.seeOther(ctx, Console.BASE + "/teams");
      } else {
        show(ctx, 400, error);
      }
    });
  }

  private static String render(Session s, Listing l, String error, String asOf) {
    StringBuilder b = new StringBuilder("<h1>Teams</h1>").append(asOf);
    if (error != null) {
      b.append("<p class=\"error\" role=\"alert\" id=\"form-error\">").append(esc(error)).append("</p>");
    }
    b.append("<div class=\"table-wrap\"><table id=\"teams\"><thead><tr><th>Name</th><th>Spend / budget</th>")
        .append("<th>Created</th><th></th></tr></thead><tbody>");
    if (l.rows().isEmpty()) {
      b.append("<tr><td colspan=\"4\" class=\"empty\">No teams.</td></tr>");
    }
    for (ObjectNode t : l.rows()) {
      b.append("<tr><td data-label=\"Name\">").append(esc(t.get("name").asText())).append("</td>")
          .append("<td data-label=\"Spend / budget\">").append(Budgets.bar(t)).append("</td>")
          .append("<td data-label=\"Created\">").append(esc(t.get("created_at").asText())).append("</td><td class=\"actions\">");
      if (s.role.mayChange()) {
        b.append("<form method=\"post\" action=\"").append(esc(Console.BASE + "/teams/" + Html.url(t.get("id").asText())
            + "/delete")).append("\" data-confirm=\"").append(esc("Delete the team " + t.get("name").asText() + "?"))
            .append("\">").append(Layout.csrf(s)).append("<button type=\"submit\">Delete</button></form>");
      }
      b.append("</td></tr>");
    }
    b.append("</tbody></table>");
    if (l.total() > l.rows().size()) {
      b.append("<p class=\"muted\">Showing the first ").append(l.rows().size()).append(" of ").append(l.total())
          .append(" teams.</p>");
    }
    b.append("</div>");
    if (s.role.mayChange()) {
      b.append("""
          <details class="card" open>
            <summary>Create a team</summary>
            <form method="post" action="%s/teams" class="grid">
              %s
              <label>Name <input name="name" required maxlength="200"></label>
              <label>Budget (USD) <input name="budget_usd" inputmode="decimal"></label>
              <label>Budget period <select name="budget_period">
                <option value="">—</option><option>day</option><option>week</option><option>month</option>
                <option>total</option></select></label>
              <button type="submit">Create team</button>
            </form>
          </details>
          """.formatted(Console.BASE, Layout.csrf(s)));
    }
    return b.toString();
  }
}
