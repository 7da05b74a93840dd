package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How console handlers answer: HTML pages, redirects, error pages, and store work off the event loop. */
final class Replies {
  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);
  /** Store work that takes longer than this is answered with an error page (the worker finishes on its own). */
  static final long WORK_TIMEOUT_MS = 10_000;

  private Replies() {
  }

  static void html(RoutingContext ctx, int status, String page) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8").end(page);
  }

  /** After a change: the browser loads {@code path} with a GET (a reload does not repeat the change). */
  static void seeOther(RoutingContext ctx, String path) {
    if (ctx.request().getHeader("hx-request") != null) {
      ctx.response().putHeader("hx-redirect", path);
    }
    ctx.response().setStatusCode(303).putHeader(HttpHeaders.LOCATION, path).end();
  }

  static void error(RoutingContext ctx, int status, String title, String message) {
    html(ctx, status, Layout.bare(title, "<h1>" + esc(title) + "</h1><p class=\"error\" role=\"alert\">"
        + esc(message) + "</p><p><a href=\"" + Console.BASE + "/overview\">Back to the console</a></p>"));
  }

  /**
   * Runs blocking store work on one of the console's worker threads, bounded in time; a failure is
   * answered with an error page (not found, invalid input, or the store's failure) and never
   * reaches {@code then}. Work for a request that may change something (anything but GET and
   * HEAD) makes every page read the store again once it is done, before {@code then} answers.
   */
  static <T> void blocking(RoutingContext ctx, Callable<T> work, java.util.function.Consumer<T> then) {
    ConsoleWork w = Console.workOf(ctx);
    Future<T> done = w.run(work);
    HttpMethod m = ctx.request().method();
    if (m != HttpMethod.GET && m != HttpMethod.HEAD) {
      done = done.andThen(ar -> w.changed());
    }
    bounded(ctx, done, then);
  }

  /**
   * A page made on one of the console's worker threads (its readings and its HTML alike, so the
   * event loop only sends it), answered with {@code status}.
   */
  static void page(RoutingContext ctx, int status, Callable<String> page) {
    blocking(ctx, page, html -> html(ctx, status, html));
  }

  /**
   * Waits for {@code work} at most {@link #WORK_TIMEOUT_MS} (an answer that comes later is dropped);
   * a failure or the timeout is answered with an error page and never reaches {@code then}.
   */
  static <T> void bounded(RoutingContext ctx, Future<T> work, java.util.function.Consumer<T> then) {
    Promise<T> done = Promise.promise();
    long timer = ctx.vertx().setTimer(WORK_TIMEOUT_MS, id -> done.tryFail(new java.util.concurrent.TimeoutException(
        "the gateway did not get an answer within " + WORK_TIMEOUT_MS / 1000 + " seconds")));
    work.onComplete(ar -> {
      ctx.vertx().cancelTimer(timer);
      if (ar.succeeded()) {
        done.tryComplete(ar.result());
      } else {
        done.tryFail(ar.cause());
      }
    });
    done.future().onComplete(ar -> {
      if (ar.succeeded()) {
        then.accept(ar.result());
      } else {
        fail(ctx, ar.cause());
      }
    });
  }

  static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof NoSuchElementException) {
      error(ctx, 404, "Not found", e.getMessage());
    } else if (e instanceof IllegalArgumentException) {
      error(ctx, 400, "Invalid input", e.getMessage());
    } else if (e instanceof SessionsUnavailable) {
      error(ctx, 503, "Try again", e.getMessage());
    } else if (e instanceof java.util.concurrent.TimeoutException) {
      error(ctx, 503, "Try again", e.getMessage());
    } else {
      LOG.warn("console request {} {} failed", ctx.request().method(), ctx.request().path(), e);
      error(ctx, 500, "Store error", "The store failed; the gateway's log has the details.");
    }
  }
}
