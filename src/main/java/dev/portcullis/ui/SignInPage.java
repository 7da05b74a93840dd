package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

/** The sign-in form: the admin key (or a read-only key), posted with the visitor session's CSRF token. */
final class SignInPage {
  private SignInPage() {
  }

  static String render(Session s, String error) {
    return Layout.bare("Sign in", """
        <h1>Portcullis console</h1>
        <form method="post" action="%s/login" class="card" autocomplete="off">
          %s
          <label for="key">Admin key</label>
          <input type="password" id="key" name="key" required autofocus autocomplete="off">
          %s
          <button type="submit" id="sign-in">Sign in</button>
        </form>
        """.formatted(Console.BASE, Layout.csrf(s),
        error == null ? "" : "<p class=\"error\" role=\"alert\" id=\"sign-in-error\">" + esc(error) + "</p>"));
  }
}
