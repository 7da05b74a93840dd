package dev.portcullis.identity.credentials;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.identity.Principal;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's upstream connections over HTTP:
 * <ul>
 *   <li>{@code GET /connections} — the caller's connections (authenticated);
 *   <li>{@code GET /connections/{upstream}/start} — with {@code ?ticket=} (the link a refused
 *       call names): a page saying which gateway user the account will be connected to, whose
 *       button POSTs the ticket; with the caller's gateway credential instead: a redirect;
 *   <li>{@code POST /connections/{upstream}/start} — uses up the ticket, redirects to the upstream
 *       app's authorization endpoint (PKCE S256, state bound to the user);
 *   <li>{@code GET /connections/callback} — the upstream's answer: code exchanged, tokens stored;
 *   <li>{@code DELETE /connections/{upstream}} — forgets the caller's connection (authenticated).
 * </ul>
 */
public final class ConnectionRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionRoutes.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PRINCIPAL = "portcullis.principal";

  private final Connections connections;

  public ConnectionRoutes(Connections connections) {
    this.connections = connections;
  }

  /** @param authenticate the gateway's authentication step (keys and tokens); calls next() on success */
  public void mount(Router router, Handler<RoutingContext> authenticate) {
    router.get("/connections/callback").handler(this::callback);
    router.get("/connections").handler(authenticate).handler(this::list);
    router.get("/connections/:upstream/start").handler(ctx -> {
      if (ctx.queryParams().get("ticket") != null) {
        confirm(ctx);
      } else {
        ctx.next();
      }
    }).handler(authenticate).handler(this::startAuthenticated);
    router.post("/connections/:upstream/start").handler(BodyHandler.create(false).setBodyLimit(8 * 1024))
        .handler(this::startWithTicket);
    router.delete("/connections/:upstream").handler(authenticate).handler(this::delete);
  }

  private <T> void blocking(RoutingContext ctx, Callable<T> work, Handler<T> done) {
    ctx.vertx().executeBlocking(work, false).onComplete(ar -> {
      if (ar.succeeded()) {
        done.handle(ar.result());
      } else if (ar.cause() instanceof CredentialException e) {
        page(ctx.response(), 400, "Connection failed", e.getMessage());
      } else {
        LOG.atError().setCause(ar.cause()).log("upstream connection request failed");
        page(ctx.response(), 500, "Connection failed", "The gateway could not handle this request.");
      }
    });
  }

  private void list(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    blocking(ctx, () -> connections.list(p), items -> {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode a = body.putArray("connections");
      items.forEach(a::add);
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader("cache-control", "no-store")
          .end(body.toString());
    });
  }

  private void confirm(RoutingContext ctx) {
    String upstream = ctx.pathParam("upstream");
    String ticket = ctx.queryParams().get("ticket");
    blocking(ctx, () -> connections.peek(upstream, ticket), t -> {
      if (t == null) {
        page(ctx.response(), 400, "Link expired", "This connect link has expired or was already used. Call the "
            + "tool again to get a new one.");
        return;
      }
      String html = "<p>Connect your account at <b>" + esc(upstream) + "</b> to the gateway user <b>"
          + esc(t.userName()) + "</b>?</p><p>The gateway will keep this app's tokens (encrypted) and use them only "
          + "for calls made by that user. If this is not you, close this page.</p>"
          + "<form method=\"post\" action=\"/connections/" + esc(upstream) + "/start\">"
          + "<input type=\"hidden\" name=\"ticket\" value=\"" + esc(ticket) + "\">"
          + "<button type=\"submit\">Connect</button></form>";
      write(ctx.response(), 200, "Connect " + upstream, html);
    });
  }

  private void startWithTicket(RoutingContext ctx) {
    String upstream = ctx.pathParam("upstream");
    String ticket = ctx.request().getFormAttribute("ticket");
    blocking(ctx, () -> connections.startWithTicket(upstream, ticket), url -> redirect(ctx, url));
  }

  private void startAuthenticated(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    String upstream = ctx.pathParam("upstream");
    blocking(ctx, () -> connections.start(upstream, p), url -> redirect(ctx, url));
  }

  private void callback(RoutingContext ctx) {
    var q = ctx.queryParams();
    blocking(ctx, () -> connections.callback(q.get("state"), q.get("code"), q.get("error"), q.get("iss")),
        upstream -> page(ctx.response(), 200, "Connected", "Your account at " + upstream + " is connected. "
            + "You can close this window and retry the call."));
  }

  private void delete(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    String upstream = ctx.pathParam("upstream");
    blocking(ctx, () -> connections.delete(upstream, p), deleted -> ctx.response()
        .setStatusCode(deleted ? 204 : 404).end());
  }

  private static void redirect(RoutingContext ctx, String url) {
    ctx.response().setStatusCode(302).putHeader("location", url).putHeader("cache-control", "no-store")
        .putHeader("referrer-policy", "no-referrer").end();
  }

  private static void page(HttpServerResponse resp, int status, String title, String message) {
    write(resp, status, title, "<p>" + esc(message) + "</p>");
  }

  private static void write(HttpServerResponse resp, int status, String title, String body) {
    if (resp.ended()) {
      return;
    }
    resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader("cache-control", "no-store").putHeader("x-frame-options", "DENY")
        .putHeader("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        .putHeader("referrer-policy", "no-referrer").putHeader("x-content-type-options", "nosniff")
        .end("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title></head><body>"
            + "<h1>" + esc(title) + "</h1>" + body + "</body></html>");
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length());
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
