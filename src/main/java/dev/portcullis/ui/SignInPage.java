package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

/**
 * The sign-in page: the admin key (or a read-only key), posted with the visitor session's CSRF
 * token, and/or a link to sign in through the OpenID Connect IdP, as configured.
 */
final class SignInPage {
  private SignInPage() {
  }

  static String render(Session s, String error, boolean keyForm, boolean sso) {
    String err = error == null ? "" : "<p class=\"error\" role=\"alert\" id=\"sign-in-error\">" + esc(error) + "</p>";
    String key = !keyForm ? "" : """
        <form method="post" action="%s/login" class="card" autocomplete="off">
          %s
          <label for="key">Admin key</label>
          <input type="password" id="key" name="key" required autofocus autocomplete="off">
          %s
          <button type="submit" id="sign-in">Sign in</button>
        </form>
        """.formatted(Console.BASE, Layout.csrf(s), err);
    String idp = !sso ? "" : """
        <p class="card"><a class="button" id="sign-in-sso" href="%s/start">Sign in with your identity provider</a></p>
        """.formatted(OidcSignIn.PATH);
    return Layout.bare("Sign in", "<h1>Portcullis console</h1>\n" + key + idp);
  }
}
