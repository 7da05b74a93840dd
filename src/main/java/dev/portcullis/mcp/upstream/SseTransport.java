package dev.portcullis.mcp.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.McpError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The legacy HTTP+SSE client transport (protocol 2024-11-05, deprecated but still deployed): a GET
 * opens the server's event stream, whose first {@code endpoint} event names the URL to POST
 * messages to; every answer and server message arrives on the stream. The stream is the
 * connection: when it ends, the session is gone and the client reconnects (supervised).
 */
public final class SseTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(SseTransport.class);
  private static final long ENDPOINT_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final HttpClient http;
  private final String name;
  private final String url;
  private final HeaderSource headers;
  private final ObjectMapper json;
  private final long maxEventBytes;
  private volatile HttpClientRequest stream;
  private volatile String postUrl;
  private volatile long generation;

  public SseTransport(Vertx vertx, HttpClient http, String name, String url, Map<String, String> headers,
      ObjectMapper json, long maxEventBytes) {
    this(vertx, http, name, url, HeaderSource.fixed(headers), json, maxEventBytes);
  }

  /** With headers that may come from a credential (fetched before each request, one retry after a 401). */
  public SseTransport(Vertx vertx, HttpClient http, String name, String url, HeaderSource headers,
      ObjectMapper json, long maxEventBytes) {
    this.vertx = vertx;
    this.http = http;
    this.name = name;
    this.url = url;
    this.headers = headers;
    this.json = json;
    this.maxEventBytes = maxEventBytes;
  }

  @Override
  public Future<Void> open(Sink sink) {
    return headers.headers()
        .recover(e -> Future.failedFuture(e instanceof McpError ? e
            : new McpError(McpError.UPSTREAM_UNAVAILABLE, "no credential for upstream '" + name + "': "
                + e.getMessage())))
        .compose(h -> open(sink, h));
  }

  private synchronized Future<Void> open(Sink sink, Map<String, String> auth) {
    stop();
    long gen = ++generation;
    Promise<Void> endpoint = Promise.promise();
    long timer = vertx.setTimer(ENDPOINT_TIMEOUT_MS, t -> endpoint.tryFail(new McpError(McpError.UPSTREAM_UNAVAILABLE,
        "no endpoint event on " + url + " within " + ENDPOINT_TIMEOUT_MS + " ms")));
    RequestOptions o = new RequestOptions().setAbsoluteURI(url).setMethod(HttpMethod.GET).setConnectTimeout(10_000)
        .putHeader("accept", "text/event-stream");
    auth.forEach(o::putHeader);
    http.request(o).compose(req -> {
      stream = req;
      return req.send();
    }).onSuccess(resp -> {
      if (resp.statusCode() != 200) {
        BoundedBody.read(resp, maxEventBytes, name);
        endpoint.tryFail(new McpError(McpError.UPSTREAM_UNAVAILABLE, "GET " + url + " answered HTTP "
            + resp.statusCode()));
        return;
      }
      SseParser parser = new SseParser((type, data, id) -> {
        if ("endpoint".equals(type)) {
          String target = sameOrigin(data.trim());
          if (target == null) {
            // the messages carry the upstream's credential: an endpoint elsewhere (another host,
            // port or scheme, or an internal address) would receive it and every tool call
            LOG.atWarn().addKeyValue("upstream", name).log("refused an SSE endpoint event outside the stream's origin");
            endpoint.tryFail(new McpError(McpError.UPSTREAM_UNAVAILABLE, "the endpoint event of " + url
                + " names another origin; messages are only posted to the origin of the stream"));
            resp.request().reset();
            return;
          }
          postUrl = target;
          endpoint.tryComplete();
          return;
        }
        if (!"message".equals(type) || data.isBlank()) {
          return;
        }
        try {
          sink.message(json.readTree(data));
        } catch (IOException e) {
          LOG.atWarn().addKeyValue("upstream", name).log("skipped an SSE event that is not JSON");
        }
      }, maxEventBytes);
      resp.handler(chunk -> {
        try {
          parser.feed(chunk);
        } catch (IllegalStateException e) {
          resp.request().reset();
        }
      });
      Runnable ended = () -> {
        endpoint.tryFail(new McpError(McpError.UPSTREAM_UNAVAILABLE, "the event stream ended before the endpoint event"));
        if (gen == generation) {
          postUrl = null;
          sink.closed("the SSE stream of " + url + " ended");
        }
      };
      resp.endHandler(v -> ended.run());
      resp.exceptionHandler(e -> ended.run());
    }).onFailure(e -> endpoint.tryFail(new McpError(McpError.UPSTREAM_UNAVAILABLE, "cannot reach " + url + ": "
        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()))));
    return endpoint.future().andThen(ar -> vertx.cancelTimer(timer));
  }

  /** The endpoint resolved against the stream's URL, or null when it leaves the stream's origin. */
  private String sameOrigin(String endpoint) {
    URI base = URI.create(url);
    URI target;
    try {
      target = base.resolve(endpoint);
    } catch (IllegalArgumentException e) {
      return null;
    }
    boolean same = base.getScheme().equalsIgnoreCase(String.valueOf(target.getScheme()))
        && base.getHost() != null && base.getHost().equalsIgnoreCase(target.getHost())
        && port(base) == port(target) && target.getRawUserInfo() == null;
    return same ? target.toString() : null;
  }

  private static int port(URI u) {
    return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  @Override
  public Future<Void> send(ObjectNode message) {
    return send(message, true);
  }

  private Future<Void> send(ObjectNode message, boolean mayRetry) {
    return headers.headers()
        .recover(e -> Future.failedFuture(e instanceof McpError ? e
            : new McpError(McpError.UPSTREAM_UNAVAILABLE, "no credential for upstream '" + name + "': "
                + e.getMessage())))
        .compose(h -> send(message, h, mayRetry));
  }

  private Future<Void> send(ObjectNode message, Map<String, String> auth, boolean mayRetry) {
    String target = postUrl;
    if (target == null) {
      return Future.failedFuture(new McpError(McpError.UPSTREAM_UNAVAILABLE, "not connected to " + url));
    }
    RequestOptions o = new RequestOptions().setAbsoluteURI(target).setMethod(HttpMethod.POST).setConnectTimeout(10_000)
        .putHeader("content-type", "application/json");
    auth.forEach(o::putHeader);
    return http.request(o).compose(req -> req.send(Buffer.buffer(message.toString())))
        .compose(resp -> {
          Future<Buffer> answer = BoundedBody.read(resp, maxEventBytes, name);
          return resp.statusCode() == 401 && mayRetry && headers.rejected()
              ? answer.transform(ar -> send(message, false))
              : answer.compose(body -> resp.statusCode() < 300 ? Future.<Void>succeededFuture()
              : Future.<Void>failedFuture(new McpError(McpError.UPSTREAM_UNAVAILABLE, "upstream answered HTTP "
                  + resp.statusCode() + ": " + (body.length() > 200 ? body.getString(0, 200) : body.toString()))));
        })
        .recover(e -> Future.failedFuture(e instanceof McpError ? e : new McpError(McpError.UPSTREAM_UNAVAILABLE,
            "cannot reach " + target + ": " + e.getMessage())));
  }

  @Override
  public boolean probesModern() {
    return false; // HTTP+SSE servers predate the stateless revision
  }

  private void stop() {
    HttpClientRequest s = stream;
    stream = null;
    postUrl = null;
    generation++;
    if (s != null) {
      s.reset();
    }
  }

  @Override
  public synchronized Future<Void> close() {
    stop();
    return Future.succeededFuture();
  }

  @Override
  public boolean sharedChannel() {
    return true;
  }

  @Override
  public String describe() {
    return "sse:" + url;
  }

  /** For diagnostics: the POST endpoint the server announced, or null. */
  String endpoint() {
    return postUrl;
  }
}
