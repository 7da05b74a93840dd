package dev.portcullis.oauth;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * The consent screen (plain server-rendered HTML, no script): which client, at which redirect
 * URI, asks for which scopes on which resource, for which signed-in user. This is the
 * confused-deputy defence: a client the user does not recognise gets nothing without the user
 * reading this page. The form carries the CSRF token that must match the SameSite=Strict cookie.
 */
final class ConsentPage {
  private ConsentPage() {}

  private static final String STYLE = "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;"
      + "padding:0 1rem;color:#222}h1{font-size:1.3rem}code{background:#f3f3f3;padding:.1rem .3rem;"
      + "word-break:break-all}.warn{color:#8a4b00}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.6rem}"
      + "dt{font-weight:600;margin-top:.7rem}";

  static String render(OAuthClient client, String redirectUri, String scope, String resource,
      Map<String, Object> user, String subject, String consentId, String csrf) {
    String who = user.get("email") != null ? String.valueOf(user.get("email"))
        : user.get("preferred_username") != null ? String.valueOf(user.get("preferred_username")) : subject;
    StringBuilder h = new StringBuilder(2048);
    h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorize ")
        .append(esc(client.displayName())).append("</title><meta name=\"viewport\" content=\"width=device-width\">")
        .append("<style>").append(STYLE).append("</style></head><body>");
    h.append("<h1><span id=\"client-name\">").append(esc(client.displayName()))
        .append("</span> wants to access Portcullis as you</h1>");
    h.append("<p>Signed in as <strong id=\"user\">").append(esc(who)).append("</strong>.</p><dl>");
    h.append("<dt>Client</dt><dd><code id=\"client-id\">").append(esc(client.clientId())).append("</code><br>");
    if (client.kind().equals("metadata_document")) {
      h.append("Identified by its metadata document at <strong>").append(esc(host(client.clientId())))
          .append("</strong>.");
    } else {
      h.append("<span class=\"warn\">Registered dynamically: its name is self-asserted. Continue only if you "
          + "started this connection yourself.</span>");
    }
    h.append("</dd><dt>Will be sent back to</dt><dd><code id=\"redirect-uri\">").append(esc(redirectUri))
        .append("</code></dd>");
    h.append("<dt>Permissions</dt><dd><ul id=\"scopes\">");
    for (String s : scope == null || scope.isBlank() ? List.<String>of() : List.of(scope.trim().split("\\s+"))) {
      h.append("<li><code>").append(esc(s)).append("</code></li>");
    }
    h.append("</ul></dd><dt>Resource</dt><dd><code id=\"resource\">").append(esc(resource)).append("</code></dd></dl>");
    h.append("<form method=\"post\" action=\"consent\">")
        .append("<input type=\"hidden\" name=\"consent\" value=\"").append(esc(consentId)).append("\">")
        .append("<input type=\"hidden\" name=\"csrf\" value=\"").append(esc(csrf)).append("\">")
        .append("<button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>")
        .append("<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>");
    h.append("</body></html>");
    return h.toString();
  }

  static String error(String title, String message) {
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title)
        + "</title><style>" + STYLE + "</style></head><body><h1>" + esc(title) + "</h1><p id=\"error\">"
        + esc(message) + "</p></body></html>";
  }

  private static String host(String url) {
    try {
      return URI.create(url).getHost();
    } catch (IllegalArgumentException e) {
      return url;
    }
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
