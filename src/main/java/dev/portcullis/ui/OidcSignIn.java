package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import dev.portcullis.oauth.Secrets;
import dev.portcullis.oauth.UpstreamIdp;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * Console sign-in through the OpenID Connect IdP: {@code GET /ui/oidc/start} sends the browser to
 * the IdP's login page with a fresh state, nonce and PKCE challenge, kept in a new visitor session;
 * {@code GET /ui/oidc/callback} checks the state against that session (one use), has the IdP's
 * code exchanged and its ID token validated ({@link UpstreamIdp}: signature, issuer, audience,
 * expiry, nonce), and signs the user in under a new session id with the role their groups or
 * e-mail address give them ({@link OidcMembers}), or refuses them.
 *
 * <p>The visitor session travels in a cookie of its own, SameSite=Lax and only under
 * {@code /ui/oidc}: the console's Strict cookie is not sent on the IdP's cross-site redirect back.
 * For the same reason the callback answers with a page that moves on to the overview itself (a
 * redirect would still count as the IdP's navigation, and arrive without the Strict cookie).
 */
final class OidcSignIn {
  static final String PATH = Console.BASE + "/oidc";
  static final String COOKIE = "portcullis_console_oidc";
  private static final String CALLBACK = PATH + "/callback";

  private final UpstreamIdp idp;
  private final OidcMembers members;
  private final String configuredRedirect;
  private final Sessions sessions;
  private final java.util.function.Supplier<String> publicUrl;

  /**
   * @param redirectUri the callback URL registered at the IdP, or null to use the gateway's base URL
   * @param publicUrl the gateway's public base URL, known once it listens: the default callback is under it
   */
  OidcSignIn(UpstreamIdp idp, OidcMembers members, String redirectUri, Sessions sessions,
      java.util.function.Supplier<String> publicUrl) {
    this.idp = idp;
    this.members = members;
    this.configuredRedirect = redirectUri;
    this.publicUrl = publicUrl;
    this.sessions = sessions;
  }

  private String redirectUri() {
    if (configuredRedirect != null) {
      return configuredRedirect;
    }
    String base = publicUrl.get();
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + CALLBACK;
  }

  void mount(Router router) {
    router.get(PATH + "/start").handler(this::start);
    router.get(CALLBACK).handler(this::callback);
  }

  private void start(RoutingContext ctx) {
    long now = System.currentTimeMillis();
    String verifier = Secrets.random(48);
    Session.OidcPending pending = new Session.OidcPending(Secrets.token(), Secrets.token(), verifier);
    String redirect = redirectUri();
    Replies.bounded(ctx, sessions.signedOut(now, pending), visitor -> Replies.blocking(ctx, () -> {
      try {
        return idp.authorizationUrl(redirect, pending.state(), pending.nonce(), Secrets.s256(verifier), null);
      } catch (UpstreamIdp.LoginFailed e) {
        return new Failed(e.getMessage());
      }
    }, url -> {
      if (url instanceof Failed f) {
        Replies.error(ctx, 502, "Sign-in unavailable", "Cannot sign in now: " + f.message() + ".");
        return;
      }
      ctx.response().addCookie(cookie(ctx, visitor.id).setMaxAge(sessions.maxAgeSeconds(visitor)));
      ctx.response().setStatusCode(303).putHeader("location", (String) url).end();
    }));
  }

  private void callback(RoutingContext ctx) {
    long now = System.currentTimeMillis();
    Cookie c = ctx.request().getCookie(COOKIE);
    ctx.response().addCookie(cookie(ctx, "").setMaxAge(0)); // one use, whatever comes of it
    Replies.bounded(ctx, sessions.find(c == null ? null : c.getValue(), now), found -> {
      if (found.isEmpty() || found.get().pending == null) {
        refuse(ctx, "This browser has no sign-in under way (it expired, or was started elsewhere); start again.");
        return;
      }
      Session.OidcPending pending = found.get().pending;
      // the state is spent before it is checked: a replayed or forged answer finds nothing the next time
      Replies.bounded(ctx, sessions.end(found.get()), v -> answered(ctx, pending, now));
    });
  }

  private void answered(RoutingContext ctx, Session.OidcPending pending, long now) {
    if (!Secrets.same(pending.state(), ctx.request().getParam("state"))) {
      refuse(ctx, "The identity provider's answer does not belong to the sign-in this browser started"
          + " (state mismatch); start again.");
      return;
    }
    String error = ctx.request().getParam("error");
    String code = ctx.request().getParam("code");
    if (error != null || code == null) {
      String e = error == null ? "no code" : error.length() > 100 ? error.substring(0, 100) : error;
      refuse(ctx, "The identity provider did not sign you in: " + e + ".");
      return;
    }
    String redirect = redirectUri();
    String iss = ctx.request().getParam("iss");
    Replies.blocking(ctx, () -> {
      try {
        idp.checkResponseIssuer(iss);
        return idp.exchange(code, pending.verifier(), redirect, pending.nonce());
      } catch (UpstreamIdp.LoginFailed e) {
        return new Failed(e.getMessage());
      }
    }, result -> signIn(ctx, result, now));
  }

  /** A login the IdP did not confirm, as a value: its message is safe to show. */
  private record Failed(String message) {}

  private void signIn(RoutingContext ctx, Object result, long now) {
    if (result instanceof Failed f) {
      refuse(ctx, "Sign-in failed: " + f.message() + ".");
      return;
    }
    UpstreamIdp.Identity who = (UpstreamIdp.Identity) result;
    Role role = members.roleOf(who.claims());
    String name = name(who);
    if (role == null) {
      Replies.error(ctx, 403, "Not allowed", name + " signed in at the identity provider, but is neither an"
          + " admin nor a reader of this console (admin.console.oidc).");
      return;
    }
    Replies.bounded(ctx, sessions.signIn(null, role, name, now), s -> {
      ctx.response().addCookie(Console.cookie(ctx, s.id).setMaxAge(sessions.maxAgeSeconds(s)));
      Replies.html(ctx, 200, Layout.bare("Signed in", """
          <meta http-equiv="refresh" content="0;url=%1$s/overview">
          <h1>Signed in</h1>
          <p>Signed in as %2$s (%3$s). <a href="%1$s/overview" id="continue">Continue to the console</a></p>
          """.formatted(Console.BASE, esc(name), esc(role.label()))));
    });
  }

  private static String name(UpstreamIdp.Identity who) {
    Map<String, Object> c = who.claims();
    Object email = c.get("email");
    return email instanceof String e && !e.isBlank() ? e : who.subject();
  }

  private static void refuse(RoutingContext ctx, String why) {
    Replies.error(ctx, 403, "Sign-in refused", why);
  }

  private static Cookie cookie(RoutingContext ctx, String value) {
    return Cookie.cookie(COOKIE, value).setPath(PATH).setHttpOnly(true).setSameSite(CookieSameSite.LAX)
        .setSecure(Console.https(ctx));
  }
}
