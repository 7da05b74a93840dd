package dev.portcullis.mcp.openapi;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Sends {@link HttpCall}s: resolves the host and checks every address with the {@link SsrfGuard}
 * (then connects to the checked address, so DNS cannot change in between), follows at most five
 * redirects (each checked the same way; credentials are dropped when one leaves the origin),
 * bounds time (one deadline for all attempts) and response size, and retries idempotent methods
 * after connection failures, timeouts and 502/503/504.
 */
public final class HttpExecutor {
  static final int MAX_REDIRECTS = 5;
  private final Vertx vertx;
  private final HttpClient http;
  private final SsrfGuard guard;
  private final long timeoutMs;
  private final long maxBytes;
  private final int retries;
  private final Set<String> credentialHeaders;

  /**
   * A response: status, headers, body (at most the cap), and whether the body was cut there.
   *
   * @param url the URL that answered (after redirects)
   */
  public record Response(int status, String reason, List<Map.Entry<String, String>> headers, byte[] body,
      boolean truncated, String url) {
    public String header(String name) {
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue();
        }
      }
      return null;
    }
  }

  /** A call that could not be completed (refused, unreachable, timed out); the message says which. */
  public static final class CallFailed extends Exception {
    private static final long serialVersionUID = 1L;
    final boolean retryable;

    CallFailed(String message, boolean retryable) {
      super(message, null, false, false);
      this.retryable = retryable;
    }
  }

  public HttpExecutor(Vertx vertx, HttpClient http, SsrfGuard guard, long timeoutMs, long maxBytes, int retries,
      Set<String> credentialHeaders) {
    this.vertx = vertx;
    this.http = http;
    this.guard = guard;
    this.timeoutMs = timeoutMs;
    this.maxBytes = maxBytes;
    this.retries = retries;
    this.credentialHeaders = credentialHeaders;
  }

  public Future<Response> send(HttpCall call) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    return attempt(call, deadline, 0);
  }

  private Future<Response> attempt(HttpCall call, long deadline, int n) {
    return follow(call, deadline, 0).transform(ar -> {
      boolean again = call.idempotent() && n < retries;
      if (ar.succeeded()) {
        int s = ar.result().status();
        again &= s == 502 || s == 503 || s == 504;
      } else {
        again &= ar.cause() instanceof CallFailed cf && cf.retryable;
      }
      long backoff = 100L << n;
      if (!again || System.currentTimeMillis() + backoff >= deadline) {
        return ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause());
      }
      Promise<Response> p = Promise.promise();
      vertx.setTimer(backoff, t -> attempt(call, deadline, n + 1).onComplete(p));
      return p.future();
    });
  }

  private Future<Response> follow(HttpCall call, long deadline, int redirects) {
    return once(call, deadline).compose(r -> {
      String location = r.header("location");
      if (r.status() / 100 != 3 || location == null || r.status() == 304) {
        return Future.succeededFuture(r);
      }
      if (redirects >= MAX_REDIRECTS) {
        return Future.failedFuture(new CallFailed("too many redirects (more than " + MAX_REDIRECTS + ")", false));
      }
      URI from = URI.create(call.url());
      URI to;
      try {
        to = from.resolve(location.trim());
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(new CallFailed("redirected to an invalid location", false));
      }
      String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        return Future.failedFuture(new CallFailed("redirected to a non-HTTP location", false));
      }
      boolean sameOrigin = scheme.equals(from.getScheme()) && to.getHost() != null
          && to.getHost().equalsIgnoreCase(from.getHost()) && port(to) == port(from);
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      String method = call.method();
      byte[] body = call.body();
      if (r.status() == 303 || (r.status() == 301 || r.status() == 302) && method.equals("POST")) {
        method = "GET";
        body = null;
      }
      for (Map.Entry<String, String> h : call.headers()) {
        String k = h.getKey().toLowerCase(Locale.ROOT);
        if (!sameOrigin && credentialHeaders.contains(k) || body == null && k.equals("content-type")) {
          continue;
        }
        headers.add(h);
      }
      return follow(new HttpCall(method, to.toString(), headers, body), deadline, redirects + 1);
    });
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  private Future<Response> once(HttpCall call, long deadline) {
    URI u;
    try {
      u = URI.create(call.url());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new CallFailed("invalid URL: " + e.getMessage(), false));
    }
    String host = u.getHost();
    boolean https = "https".equalsIgnoreCase(u.getScheme());
    int port = port(u);
    String target = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    Future<InetAddress> resolved = vertx.executeBlocking(() -> {
      try {
        return guard.resolve(host);
      } catch (SsrfGuard.Refused e) {
        throw new CallFailed(e.getMessage(), false);
      }
    }, false);
    return resolved.compose(address -> {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return Future.failedFuture(new CallFailed("timed out after " + timeoutMs + " ms", true));
      }
      String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
      RequestOptions ro = new RequestOptions().setMethod(HttpMethod.valueOf(call.method())).setHost(bareHost)
          .setPort(port).setSsl(https).setURI(target).setFollowRedirects(false)
          .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
          .setConnectTimeout(Math.max(1, Math.min(left, 10_000)));
      Promise<Response> p = Promise.promise();
      HttpClientRequest[] req = new HttpClientRequest[1];
      long timer = vertx.setTimer(left, t -> {
        if (p.tryFail(new CallFailed("timed out after " + timeoutMs + " ms", true)) && req[0] != null) {
          req[0].reset();
        }
      });
      http.request(ro).onFailure(e -> p.tryFail(new CallFailed("cannot connect to " + host + ": " + message(e), true)))
          .onSuccess(r -> {
            req[0] = r;
            for (Map.Entry<String, String> h : call.headers()) {
              r.headers().add(h.getKey(), h.getValue());
            }
            r.exceptionHandler(e -> p.tryFail(new CallFailed("request to " + host + " failed: " + message(e), true)));
            Future<io.vertx.core.http.HttpClientResponse> sent = call.body() == null ? r.send()
                : r.send(Buffer.buffer(call.body()));
            sent.onFailure(e -> p.tryFail(new CallFailed("request to " + host + " failed: " + message(e), true)))
                .onSuccess(resp -> {
                  Buffer acc = Buffer.buffer();
                  boolean[] cut = new boolean[1];
                  resp.handler(b -> {
                    if (cut[0]) {
                      return;
                    }
                    if (acc.length() + b.length() > maxBytes) {
                      acc.appendBuffer(b, 0, (int) (maxBytes - acc.length()));
                      cut[0] = true;
                      p.tryComplete(response(resp, acc, true, call.url()));
                      r.reset();
                    } else {
                      acc.appendBuffer(b);
                    }
                  });
                  resp.exceptionHandler(e -> p.tryFail(new CallFailed("response from " + host + " failed: "
                      + message(e), true)));
                  resp.endHandler(v -> p.tryComplete(response(resp, acc, false, call.url())));
                });
          });
      return p.future().andThen(ar -> vertx.cancelTimer(timer));
    });
  }

  private static Response response(io.vertx.core.http.HttpClientResponse resp, Buffer body, boolean cut, String url) {
    List<Map.Entry<String, String>> h = new ArrayList<>();
    resp.headers().forEach(e -> h.add(Map.entry(e.getKey(), e.getValue())));
    return new Response(resp.statusCode(), resp.statusMessage(), List.copyOf(h), body.getBytes(), cut, url);
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
