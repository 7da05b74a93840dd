package dev.portcullis.ui;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The web console under {@code /ui}: sign-in with the admin key (or a read-only key), or through
 * the OpenID Connect IdP, into a server-side session, then server-rendered pages. Everything here sits in front of the admin
 * services the REST API uses; the console adds no business rules of its own. Its own rate limit,
 * body limit and time bound keep a busy console from hurting the data plane.
 */
public final class Console {
  static final String BASE = "/ui";
  static final String COOKIE = "portcullis_console";
  static final String CSRF_FIELD = "csrf";
  static final String SESSION = "portcullis.console.session";
  static final String WORK = "portcullis.console.work";
  private static final int BODY_LIMIT = 64 * 1024;

  private final byte[] adminKey;
  private final List<byte[]> readOnlyKeys = new ArrayList<>();
  private final Sessions sessions;
  private final OidcSignIn oidc;
  private final RateLimit rateLimit;
  private final PageBudget budget;
  private final ConsoleWork work;
  private final List<Page> pages;

  /** A group of console routes (one page and its actions), mounted behind sign-in and CSRF checks. */
  interface Page {
    void mount(Router router);
  }

  /**
   * @param adminKey the admin key (admin role); null or blank: no sign-in with a key
   * @param readOnlyKeys keys that sign in with the read-only role
   * @param settings the rate limit
   * @param sessions where sessions are kept (in memory, or shared by the replicas)
   * @param oidc sign-in through the OpenID Connect IdP, or null when not configured; with neither
   *     an admin key nor this, the console is closed
   * @param work where the console's blocking work runs, and its shared readings
   * @param pages the console's pages
   */
  Console(String adminKey, List<String> readOnlyKeys, Settings settings, Sessions sessions, OidcSignIn oidc,
      ConsoleWork work, List<Page> pages) {
    this.adminKey = adminKey == null || adminKey.isBlank() ? null : adminKey.getBytes(StandardCharsets.UTF_8);
    for (String k : readOnlyKeys) {
      if (k != null && !k.isBlank()) {
        this.readOnlyKeys.add(k.getBytes(StandardCharsets.UTF_8));
      }
    }
    this.sessions = sessions;
    this.oidc = oidc;
    this.rateLimit = new RateLimit(settings.requestsPerMinute());
    this.budget = new PageBudget(settings.pagesPerSecond(), settings.maxSessions());
    this.work = work;
    this.pages = List.copyOf(pages);
  }

  /**
   * Session lifetimes, the session cap, the console's rate limit per client address and page
   * budget per signed-in operator.
   */
  public record Settings(Duration idle, Duration absolute, int maxSessions, int requestsPerMinute,
      int pagesPerSecond) {}

  /**
   * How much one console answer may hold: groups on a report page, lines in a CSV download, and
   * the days a report may span (each day is a point of its chart).
   */
  public record Limits(int pageRows, int csvRows, int maxRangeDays) {}

  /** Adds the console's routes to one event loop's router. */
  public void mount(Router router) {
    router.route(BASE + "*").handler(this::guard);
    new Assets().mount(router);
    router.post(BASE + "/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    router.get(BASE).handler(ctx -> Replies.seeOther(ctx, BASE + "/overview"));
    router.get(BASE + "/").handler(ctx -> Replies.seeOther(ctx, BASE + "/overview"));
    router.get(BASE + "/login").handler(this::loginForm);
    router.post(BASE + "/login").handler(this::login);
    if (oidc != null) {
      oidc.mount(router);
    }
    router.route(BASE + "/*").handler(this::signedIn);
    router.post(BASE + "/logout").handler(this::logout);
    for (Page p : pages) {
      p.mount(router);
    }
    router.route(BASE + "/*").handler(ctx -> Replies.error(ctx, 404, "Not found",
        "The console has no page " + ctx.request().path() + "."));
  }

  /** Rate limit and security headers for every console response. */
  private void guard(RoutingContext ctx) {
    long now = System.currentTimeMillis();
    var r = ctx.response();
    r.putHeader("content-security-policy", "default-src 'none'; script-src 'self'; style-src 'self';"
        + " img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    r.putHeader("x-content-type-options", "nosniff");
    r.putHeader("x-frame-options", "DENY");
    r.putHeader("referrer-policy", "no-referrer");
    if (!ctx.request().path().startsWith(BASE + "/assets/")) {
      r.putHeader("cache-control", "no-store");
    }
    ctx.put(WORK, work);
    if (!rateLimit.allow(ctx.request().remoteAddress().hostAddress(), now)) {
      r.putHeader("retry-after", Long.toString(rateLimit.retryAfterSeconds(now)));
      Replies.error(ctx, 429, "Too many requests", "The console's rate limit for your address is spent;"
          + " try again in a minute.");
      return;
    }
    ctx.next();
  }

  private boolean closed() {
    return adminKey == null && oidc == null;
  }

  private void loginForm(RoutingContext ctx) {
    if (closed()) {
      Replies.error(ctx, 403, "Console disabled", "The console is disabled: set admin.key or admin.console.oidc"
          + " in the configuration.");
      return;
    }
    long now = System.currentTimeMillis();
    Replies.bounded(ctx, session(ctx, now), current -> {
      if (current.isPresent() && current.get().role.signedIn()) {
        Replies.seeOther(ctx, BASE + "/overview");
        return;
      }
      Replies.bounded(ctx, current.map(Future::succeededFuture)
          .orElseGet(() -> sessions.signedOut(now, null)), s -> {
            setCookie(ctx, s);
            Replies.html(ctx, 200, SignInPage.render(s, null, adminKey != null, oidc != null));
          });
    });
  }

  private void login(RoutingContext ctx) {
    if (adminKey == null) {
      Replies.error(ctx, 403, "No key sign-in", "Signing in with a key is off: set admin.key in the configuration.");
      return;
    }
    long now = System.currentTimeMillis();
    Replies.bounded(ctx, session(ctx, now), current -> {
      if (current.isEmpty() || !Sessions.csrfMatches(current.get(), ctx.request().getFormAttribute(CSRF_FIELD))) {
        Replies.error(ctx, 403, "Form expired", "The sign-in form expired or did not come from this console;"
            + " open the sign-in page again.");
        return;
      }
      String presented = ctx.request().getFormAttribute("key");
      Role role = roleOf(presented);
      if (role == null) {
        Replies.html(ctx, 401, SignInPage.render(current.get(), presented == null || presented.isBlank()
            ? "Enter the admin key." : "Incorrect key.", true, oidc != null));
        return;
      }
      // a new id at sign-in: an id someone planted in this browser before does not become signed in
      Replies.bounded(ctx, sessions.signIn(current.get(), role, "", now), signedIn -> {
            setCookie(ctx, signedIn);
            Replies.seeOther(ctx, BASE + "/overview");
          });
    });
  }

  private Role roleOf(String presented) {
    if (presented == null || presented.isEmpty()) {
      return null;
    }
    byte[] p = presented.getBytes(StandardCharsets.UTF_8);
    Role found = null;
    if (MessageDigest.isEqual(adminKey, p)) {
      found = Role.ADMIN;
    }
    for (byte[] k : readOnlyKeys) { // every key compared: the time taken does not say which matched
      if (MessageDigest.isEqual(k, p) && found == null) {
        found = Role.READ_ONLY;
      }
    }
    return found;
  }

  /** Every page past sign-in: a signed-in session, and on changes its CSRF token and the admin role. */
  private void signedIn(RoutingContext ctx) {
    Replies.bounded(ctx, session(ctx, System.currentTimeMillis()), s -> {
      if (s.isEmpty() || !s.get().role.signedIn()) {
        if (ctx.request().method() == HttpMethod.GET) {
          Replies.seeOther(ctx, BASE + "/login");
        } else {
          Replies.error(ctx, 401, "Signed out", "Your console session ended; sign in again.");
        }
        return;
      }
      Session session = s.get();
      // signing out is never refused
      long wait = ctx.request().path().equals(BASE + "/logout") ? 0
          : budget.take(session.id, System.currentTimeMillis());
      if (wait > 0) {
        ctx.response().putHeader("retry-after", Long.toString(wait));
        Replies.error(ctx, 429, "Slow down", "You are opening pages faster than the console serves one operator ("
            + budget.perSecond() + " a second); wait " + wait + (wait == 1 ? " second" : " seconds")
            + ", then reload the page.");
        return;
      }
      if (ctx.request().method() != HttpMethod.GET && ctx.request().method() != HttpMethod.HEAD) {
        if (!Sessions.csrfMatches(session, ctx.request().getFormAttribute(CSRF_FIELD))) {
          Replies.error(ctx, 403, "Form expired", "The form did not carry this session's CSRF token;"
              + " reload the page and try again.");
          return;
        }
        if (!session.role.mayChange() && !ctx.request().path().equals(BASE + "/logout")) {
          Replies.error(ctx, 403, "Read-only", "You are signed in with the read-only role: nothing can be changed.");
          return;
        }
      }
      ctx.put(SESSION, session);
      ctx.next();
    });
  }

  private void logout(RoutingContext ctx) {
    Session s = ctx.get(SESSION);
    budget.forget(s.id);
    Replies.bounded(ctx, sessions.end(s), v -> {
      Cookie gone = cookie(ctx, "").setMaxAge(0);
      ctx.response().addCookie(gone);
      Replies.seeOther(ctx, BASE + "/login");
    });
  }

  private Future<Optional<Session>> session(RoutingContext ctx, long now) {
    Cookie c = ctx.request().getCookie(COOKIE);
    return sessions.find(c == null ? null : c.getValue(), now);
  }

  private void setCookie(RoutingContext ctx, Session s) {
    ctx.response().addCookie(cookie(ctx, s.id).setMaxAge(sessions.maxAgeSeconds(s)));
  }

  /** The session cookie: HttpOnly, SameSite=Strict, only under /ui. */
  static Cookie cookie(RoutingContext ctx, String value) {
    return Cookie.cookie(COOKIE, value).setPath(BASE).setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
        .setSecure(https(ctx));
  }

  /** Whether the browser reached us over TLS, directly or through a proxy that says so (cookies are then Secure). */
  static boolean https(RoutingContext ctx) {
    return ctx.request().isSSL() || "https".equalsIgnoreCase(ctx.request().getHeader("x-forwarded-proto"));
  }

  /** Where the console's work runs for this request (set for every console request). */
  static ConsoleWork workOf(RoutingContext ctx) {
    return ctx.get(WORK);
  }

  /** The signed-in session of a request past {@link #signedIn}. */
  static Session sessionOf(RoutingContext ctx) {
    return ctx.get(SESSION);
  }
}
