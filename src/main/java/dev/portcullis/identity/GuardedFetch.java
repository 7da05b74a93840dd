package dev.portcullis.identity;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one HTTP client for fetches the gateway makes on behalf of configuration or of a URL a
 * client names: OpenAPI descriptions and their remote {@code $ref}s, authorization server and
 * OpenID metadata, JWK sets, client ID metadata documents, token and introspection endpoints.
 *
 * <p>Every hop is checked before it is made: the scheme (https; http only where the rules allow
 * it), no credentials in the URL, and every address the host resolves to (against the rules'
 * {@link Addresses}, normally {@link InternalAddresses}). The connection then goes to the address
 * that was checked, with the name kept for the Host header, SNI and certificate check, so a DNS
 * answer cannot change between check and connect. Redirects are followed by hand, at most
 * {@link Rules#maxRedirects()}, each hop checked again; bodies are capped; one deadline covers
 * the whole fetch. Blocking: call it off the event loop.
 */
public final class GuardedFetch {
  /** Which resolved addresses a fetch may reach. */
  @FunctionalInterface
  public interface Addresses {
    /**
     * Why {@code address} (one that {@code host} resolves to) may not be reached, or null when it
     * may. The reason names the address and how to allow it.
     */
    String refusal(String host, InetAddress address);
  }

  /**
   * @param allowHttp whether plain http URLs are fetched (https always is)
   * @param addresses which resolved addresses may be reached
   * @param maxRedirects how many redirects are followed (0: a redirect is refused)
   */
  public record Rules(boolean allowHttp, Addresses addresses, long timeoutMs, long maxBytes, int maxRedirects) {}

  /** An answer: the status, its content type, the body (at most the cap), and the URL that gave it. */
  public record Response(int status, String contentType, byte[] body, URI uri) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** A fetch the rules do not allow; the message names the URL and the reason. */
  public static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  private final Vertx vertx;
  private final HttpClient http;
  private final Rules rules;

  /** A fetcher with an HTTP client of its own. */
  public GuardedFetch(Vertx vertx, Rules rules) {
    this(vertx, vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(30)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, rules.timeoutMs()))), rules);
  }

  /** A fetcher sending through an existing client (one the caller already keeps for its upstream). */
  public GuardedFetch(Vertx vertx, HttpClient http, Rules rules) {
    this.vertx = vertx;
    this.http = http;
    this.rules = rules;
  }

  public Rules rules() {
    return rules;
  }

  /** Why this URL may not be fetched (scheme, credentials, resolved addresses), or null when it may. */
  public String refusal(URI uri) {
    try {
      check(uri);
      return null;
    } catch (Refused e) {
      return e.getMessage();
    }
  }

  /** GETs a document; a redirect is followed within the rules, an answer other than 200 is an error. */
  public Response get(URI uri, String accept) throws IOException {
    Response r = send(HttpMethod.GET, uri, Map.of("accept", accept), null);
    if (r.status() != 200) {
      throw new IOException("fetching " + r.uri() + " answered HTTP " + r.status());
    }
    return r;
  }

  /** POSTs a form; the answer is returned whatever its status (redirects are not followed). */
  public Response postForm(URI uri, Map<String, String> headers, String form) throws IOException {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("content-type", "application/x-www-form-urlencoded");
    return send(HttpMethod.POST, uri, h, form.getBytes(StandardCharsets.UTF_8));
  }

  private Response send(HttpMethod method, URI first, Map<String, String> headers, byte[] body) throws IOException {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("a guarded fetch blocks; it may not run on an event loop");
    }
    long deadline = System.currentTimeMillis() + rules.timeoutMs();
    URI uri = first;
    for (int hop = 0;; hop++) {
      InetAddress address = check(uri);
      Answer a = once(method, uri, address, headers, body, deadline);
      Response r = a.response();
      String location = r.status() / 100 == 3 && r.status() != 304 ? a.location() : null;
      if (location == null || method != HttpMethod.GET) {
        return r;
      }
      URI next;
      try {
        next = uri.resolve(location.trim());
      } catch (IllegalArgumentException e) {
        throw new Refused(uri + " redirects to an invalid location");
      }
      if (rules.maxRedirects() == 0) {
        throw new Refused(uri + " redirects to " + next + "; redirects are not followed here");
      }
      if (hop >= rules.maxRedirects()) {
        throw new Refused(first + ": more than " + rules.maxRedirects() + " redirects");
      }
      uri = next;
    }
  }

  private record Answer(Response response, String location) {}

  /** One request to the checked address, awaited until the deadline. */
  private Answer once(HttpMethod method, URI uri, InetAddress address, Map<String, String> headers, byte[] body,
      long deadline) throws IOException {
    long left = deadline - System.currentTimeMillis();
    if (left <= 0) {
      throw new IOException("fetching " + uri + " timed out after " + rules.timeoutMs() + " ms");
    }
    boolean https = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
    String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    RequestOptions ro = new RequestOptions().setMethod(method).setHost(bare(uri.getHost())).setPort(port)
        .setSsl(https).setURI(target).setFollowRedirects(false)
        .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()));
    headers.forEach(ro::putHeader);
    Promise<Answer> done = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    // the request is made on the client's own context; this thread only waits for the answer
    vertx.runOnContext(v -> http.request(ro).onFailure(done::tryFail).onSuccess(req -> {
      sent.set(req);
      req.exceptionHandler(done::tryFail);
      Future<HttpClientResponse> answered = body == null ? req.send() : req.send(Buffer.buffer(body));
      answered.onFailure(done::tryFail).onSuccess(resp -> {
        Buffer acc = Buffer.buffer();
        resp.exceptionHandler(done::tryFail);
        resp.handler(b -> {
          if (acc.length() + b.length() > rules.maxBytes()) {
            done.tryFail(new IOException("the document at " + uri + " is larger than " + rules.maxBytes()
                + " bytes"));
            req.reset();
          } else {
            acc.appendBuffer(b);
          }
        });
        resp.endHandler(x -> done.tryComplete(new Answer(new Response(resp.statusCode(),
            resp.getHeader("content-type"), acc.getBytes(), uri), resp.getHeader("location"))));
      });
    }));
    try {
      return done.future().toCompletionStage().toCompletableFuture().get(left, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      HttpClientRequest req = sent.get();
      if (req != null) {
        vertx.runOnContext(v -> req.reset());
      }
      throw new IOException("fetching " + uri + " timed out after " + rules.timeoutMs() + " ms");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io && io.getMessage() != null && io.getMessage().contains(uri.toString())) {
        throw io;
      }
      throw new IOException("fetching " + uri + " failed: " + (cause.getMessage() == null
          ? cause.getClass().getSimpleName() : cause.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + uri);
    }
  }

  /** Checks a URL and returns the address to connect to; {@link Refused} with the reason otherwise. */
  private InetAddress check(URI uri) throws Refused {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new Refused("refused to fetch " + uri + ": only http and https URLs are fetched");
    }
    if (scheme.equals("http") && !rules.allowHttp()) {
      throw new Refused("refused to fetch " + uri + ": only https URLs are fetched");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new Refused("refused to fetch " + uri + ": the URL has no host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new Refused("refused to fetch " + uri + ": URLs with credentials are not fetched");
    }
    String bare = bare(host);
    InetAddress[] all;
    try {
      all = InetAddress.getAllByName(bare);
    } catch (UnknownHostException e) {
      throw new Refused("refused to fetch " + uri + ": host '" + bare + "' does not resolve");
    }
    for (InetAddress a : all) {
      String why = rules.addresses().refusal(bare, a);
      if (why != null) {
        throw new Refused("refused to fetch " + uri + ": " + why);
      }
    }
    return all[0];
  }

  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
