package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

/** The page shell every console page shares: head, navigation, who is signed in, sign-out. */
final class Layout {
  /** The console's pages, in navigation order. */
  enum Nav {
    OVERVIEW("Overview", Console.BASE + "/overview"),
    USAGE("Usage", Console.BASE + "/usage"),
    KEYS("Keys", Console.BASE + "/keys"),
    TEAMS("Teams", Console.BASE + "/teams"),
    MCP("MCP", Console.BASE + "/mcp"),
    AUDIT("Audit", Console.BASE + "/audit"),
    CONFIG("Configuration", Console.BASE + "/config");

    final String label;
    final String path;

    Nav(String label, String path) {
      this.label = label;
      this.path = path;
    }
  }

  private Layout() {
  }

  /** A page for a signed-in session ({@code active} is highlighted in the navigation). */
  static String page(String title, Nav active, Session session, String body) {
    StringBuilder nav = new StringBuilder();
    for (Nav n : Nav.values()) {
      nav.append("<a href=\"").append(n.path).append('"').append(n == active ? " aria-current=\"page\"" : "")
          .append('>').append(n.label).append("</a>");
    }
    String header = """
        <header class="top">
          <a class="brand" href="%1$s/overview">Portcullis</a>
          <nav>%2$s</nav>
          <form class="signout" method="post" action="%1$s/logout">
            <input type="hidden" name="csrf" value="%3$s">
            <span class="role">%4$s</span>
            <button type="submit" id="sign-out">Sign out</button>
          </form>
        </header>
        """.formatted(Console.BASE, nav, esc(session.csrf), esc(session.who.isEmpty()
        ? session.role.label() : session.who + " (" + session.role.label() + ")"));
    return shell(title, header + "<main>" + body + "</main>");
  }

  /** A page without navigation (sign-in, errors before sign-in). */
  static String bare(String title, String body) {
    return shell(title, "<main class=\"narrow\">" + body + "</main>");
  }

  private static String shell(String title, String content) {
    return """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
          <title>%1$s · Portcullis</title>
          <link rel="stylesheet" href="%2$s/assets/uPlot.min.css">
          <link rel="stylesheet" href="%2$s/assets/console.css">
          <script src="%2$s/assets/htmx.min.js" defer></script>
          <script src="%2$s/assets/uPlot.min.js" defer></script>
          <script src="%2$s/assets/console.js" defer></script>
        </head>
        <body>
        %3$s
        </body>
        </html>
        """.formatted(esc(title), Console.BASE, content);
  }

  /** A hidden CSRF field for a form of this session. */
  static String csrf(Session s) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(s.csrf) + "\">";
  }
}
