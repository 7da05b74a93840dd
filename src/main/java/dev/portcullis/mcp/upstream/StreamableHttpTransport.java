package dev.portcullis.mcp.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.downstream.McpHeaders;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.mcp.protocol.ProtocolVersions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Streamable HTTP client transport (session-based revisions): each message is a POST whose
 * answer is JSON or an SSE stream; the {@code Mcp-Session-Id} from initialize rides on every
 * later request, and a GET stream carries the server's own notifications.
 */
public final class StreamableHttpTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(StreamableHttpTransport.class);

  private final Vertx vertx;
  private final HttpClient http;
  private final String name;
  private final String url;
  /** {@code url} parsed once (every call parsed it again); null when it is not a URL, for calls to fail as they did. */
  private final URL parsedUrl;
  private final HeaderSource headers;
  private volatile Map<String, String> lastHeaders = Map.of();
  private final ObjectMapper json;
  private final long maxEventBytes;
  private volatile Sink sink;
  private volatile String sessionId;
  private volatile String version;
  private volatile HttpClientRequest listening;
  private volatile boolean closed;
  /** Requests waiting for their answer, by JSON-RPC id: a 2026-07-28 request is cancelled by closing its stream. */
  private final Map<JsonNode, HttpClientRequest> active = new java.util.concurrent.ConcurrentHashMap<>();

  public StreamableHttpTransport(Vertx vertx, HttpClient http, String name, String url, Map<String, String> headers,
      ObjectMapper json, long maxEventBytes) {
    this(vertx, http, name, url, HeaderSource.fixed(headers), json, maxEventBytes);
  }

  /** With headers that may come from a credential (fetched before each request, one retry after a 401). */
  public StreamableHttpTransport(Vertx vertx, HttpClient http, String name, String url, HeaderSource headers,
      ObjectMapper json, long maxEventBytes) {
    this.vertx = vertx;
    this.http = http;
    this.name = name;
    this.url = url;
    this.parsedUrl = parse(url);
    this.headers = headers;
    this.json = json;
    this.maxEventBytes = maxEventBytes;
  }

  private static URL parse(String url) {
    try {
      return new URL(url);
    } catch (MalformedURLException e) {
      return null;
    }
  }

  /** Request options to the server's URL. */
  private RequestOptions toServer() {
    return parsedUrl != null ? new RequestOptions().setAbsoluteURI(parsedUrl) : new RequestOptions().setAbsoluteURI(url);
  }

  @Override
  public Future<Void> open(Sink s) {
    stopListening();
    this.sink = s;
    this.sessionId = null;
    this.version = null;
    this.closed = false;
    return Future.succeededFuture();
  }

  @Override
  public void negotiated(String protocolVersion) {
    this.version = protocolVersion;
  }

  @Override
  public boolean supervised() {
    return false;
  }

  @Override
  public Future<Void> send(ObjectNode message) {
    return send(message, Map.of());
  }

  private boolean modern() {
    return ProtocolVersions.modern(version);
  }

  @Override
  public boolean abort(JsonNode requestId) {
    HttpClientRequest req = active.remove(requestId);
    if (req != null) {
      req.reset();
    }
    return modern();
  }

  @Override
  public Future<Void> send(ObjectNode message, Map<String, String> extraHeaders) {
    return send(message, extraHeaders, true);
  }

  private Future<Void> send(ObjectNode message, Map<String, String> extraHeaders, boolean mayRetry) {
    return headers.headers()
        .recover(e -> Future.failedFuture(e instanceof McpError ? e
            : new McpError(McpError.UPSTREAM_UNAVAILABLE, "no credential for upstream '" + name + "': " + message(e))))
        .compose(h -> {
          lastHeaders = h;
          return send(message, extraHeaders, h, mayRetry);
        });
  }

  private Future<Void> send(ObjectNode message, Map<String, String> extraHeaders, Map<String, String> auth,
      boolean mayRetry) {
    boolean init = McpMethods.INITIALIZE.equals(message.path("method").asText());
    String sid = sessionId;
    RequestOptions o = toServer().setMethod(HttpMethod.POST)
        .setConnectTimeout(10_000)
        .putHeader("content-type", "application/json")
        .putHeader("accept", "application/json, text/event-stream");
    auth.forEach(o::putHeader);
    if (sid != null && !init) {
      o.putHeader("mcp-session-id", sid);
    }
    if (version != null && !init) {
      o.putHeader("mcp-protocol-version", version);
    }
    JsonNode requestId = JsonRpc.kind(message) == JsonRpc.Kind.REQUEST ? message.get("id") : null;
    if (modern() && message.has("method")) {
      String method = message.path("method").asText();
      o.putHeader(McpHeaders.METHOD, method);
      String name = McpHeaders.nameOf(method, message.path("params"));
      if (name != null) {
        o.putHeader(McpHeaders.NAME, McpHeaders.encode(name));
      }
      extraHeaders.forEach(o::putHeader);
    } else {
      // trace context goes to every era; the other extra headers (Mcp-Param-*) only to 2026-07-28 servers
      extraHeaders.forEach((k, v) -> {
        if (k.equalsIgnoreCase("traceparent") || k.equalsIgnoreCase("tracestate")) {
          o.putHeader(k, v);
        }
      });
    }
    return http.request(o)
        .recover(e -> Future.failedFuture(unreachable(e)))
        .compose(req -> {
          if (requestId != null) {
            active.put(requestId, req);
          }
          // The answer is taken in the callback that sends the request, on the request's own context:
          // the HTTP client drops body chunks that arrive before a handler is set, and a handler added
          // further down this chain can come late (the chain may be built on a non-Vert.x thread, e.g.
          // at start-up, and then runs a hop later), which lost whole answers and hung their requests.
          return req.send(Buffer.buffer(message.toString()))
              .recover(e -> Future.failedFuture(unreachable(e)))
              .compose(resp -> {
                if (resp.statusCode() == 401 && mayRetry && headers.rejected()) {
                  if (requestId != null) {
                    active.remove(requestId);
                  }
                  // the credential was refused (expired or revoked early): fetch it again, once
                  return body(resp).transform(ar -> send(message, extraHeaders, false));
                }
                return answer(resp, init, sid, requestId);
              });
        })
        .andThen(ar -> {
          if (ar.succeeded() && McpMethods.NOTIFICATION_INITIALIZED.equals(message.path("method").asText())) {
            listen(sessionId);
          }
        });
  }

  private Future<Void> answer(HttpClientResponse resp, boolean init, String sid, JsonNode requestId) {
    int status = resp.statusCode();
    if (status == 404 && sid != null && !init) {
      if (sid.equals(sessionId)) {
        sessionId = null;
      }
      return body(resp).transform(ar -> Future.failedFuture(new SessionExpiredException()));
    }
    if ((status == 400 || status == 404) && requestId != null) {
      return body(resp).transform(ar -> {
        JsonNode err = ar.succeeded() ? modernError(ar.result()) : null;
        if (err != null) {
          active.remove(requestId);
          deliver(JsonRpc.error(requestId, err.path("code").asInt(), err.path("message").asText(""), err.get("data")));
          return Future.succeededFuture();
        }
        return Future.failedFuture(new McpError(McpError.UPSTREAM_UNAVAILABLE,
            "upstream answered HTTP " + status + (ar.succeeded() ? ": " + snippet(ar.result()) : "")));
      });
    }
    if (status >= 400) {
      return body(resp).transform(ar -> Future.failedFuture(new McpError(McpError.UPSTREAM_UNAVAILABLE,
          "upstream answered HTTP " + status + (ar.succeeded() ? ": " + snippet(ar.result()) : ""))));
    }
    if (init) {
      sessionId = resp.getHeader("mcp-session-id");
    }
    String type = String.valueOf(resp.getHeader("content-type")).toLowerCase();
    if (status == 202 || requestId == null) {
      return body(resp).mapEmpty();
    }
    if (type.startsWith("text/event-stream")) {
      return stream(resp, requestId);
    }
    return body(resp).andThen(ar -> active.remove(requestId)).compose(body -> {
      try {
        JsonNode m = json.readTree(body.getBytes());
        boolean answered = false;
        for (JsonNode one : m.isArray() ? m : java.util.List.of(m)) {
          answered |= JsonRpc.kind(one) == JsonRpc.Kind.RESPONSE && sameId(requestId, one.get("id"));
          if (!one.isMissingNode()) {
            deliver(one);
          }
        }
        if (!answered) {
          // a JSON answer to a request must be its response: fail the request now rather than let
          // it wait for an answer that will not come
          LOG.atWarn().addKeyValue("upstream", name).addKeyValue("request_id", requestId)
              .addKeyValue("status", status).addKeyValue("content_type", type).addKeyValue("bytes", body.length())
              .addKeyValue("body", JsonRpc.forLog(m, LOGGED_CHARS))
              .log("MCP upstream answered a request without its JSON-RPC response");
          deliver(JsonRpc.error(requestId, McpError.UPSTREAM_UNAVAILABLE, "upstream '" + name
              + "' answered without a JSON-RPC response" + (body.length() == 0 ? " (empty body)" : ""), null));
        }
        return Future.succeededFuture();
      } catch (IOException e) {
        return Future.failedFuture(new McpError(McpError.UPSTREAM_UNAVAILABLE,
            "upstream answered with invalid JSON: " + snippet(body)));
      }
    });
  }

  /** Relays a POST's SSE stream; if it ends without the answer, the request fails at once. */
  private Future<Void> stream(HttpClientResponse resp, JsonNode requestId) {
    boolean[] answered = {false};
    SseParser parser = new SseParser((type, data, id) -> {
      if (!"message".equals(type) || data.isBlank()) {
        return;
      }
      try {
        JsonNode m = json.readTree(data);
        if (JsonRpc.kind(m) == JsonRpc.Kind.RESPONSE && requestId.equals(m.get("id"))) {
          answered[0] = true;
          deliver(m);
        } else {
          Sink s = sink;
          if (s != null) {
            s.related(m, requestId);
          }
        }
      } catch (IOException e) {
        LOG.atWarn().addKeyValue("upstream", name).log("skipped an SSE event that is not JSON");
      }
    }, maxEventBytes);
    Promise<Void> done = Promise.promise();
    Runnable unanswered = () -> {
      if (!answered[0]) {
        answered[0] = true;
        deliver(JsonRpc.error(requestId, McpError.UPSTREAM_UNAVAILABLE,
            "upstream '" + name + "' closed the stream before answering", null));
      }
    };
    resp.handler(chunk -> {
      try {
        parser.feed(chunk);
      } catch (IllegalStateException e) {
        resp.request().reset();
      }
    });
    resp.endHandler(v -> {
      active.remove(requestId);
      unanswered.run();
    });
    resp.exceptionHandler(e -> {
      active.remove(requestId);
      unanswered.run();
    });
    done.complete();
    return done.future();
  }

  /** The GET stream for the server's own notifications and requests; reconnects while the session lasts. */
  private void listen(String sid) {
    if (sid == null || closed) {
      return;
    }
    RequestOptions o = toServer().setMethod(HttpMethod.GET)
        .setConnectTimeout(10_000)
        .putHeader("accept", "text/event-stream")
        .putHeader("mcp-session-id", sid);
    lastHeaders.forEach(o::putHeader);
    if (version != null) {
      o.putHeader("mcp-protocol-version", version);
    }
    http.request(o).compose(req -> {
      listening = req;
      return req.send();
    }).onSuccess(resp -> {
      if (resp.statusCode() != 200) {
        body(resp); // 405: the server offers no GET stream
        return;
      }
      SseParser parser = new SseParser((type, data, id) -> {
        try {
          if ("message".equals(type) && !data.isBlank()) {
            deliver(json.readTree(data));
          }
        } catch (IOException e) {
          LOG.atWarn().addKeyValue("upstream", name).log("skipped an SSE event that is not JSON");
        }
      }, maxEventBytes);
      resp.handler(chunk -> parser.feed(chunk));
      resp.endHandler(v -> relisten(sid));
      resp.exceptionHandler(e -> relisten(sid));
    }).onFailure(e -> relisten(sid));
  }

  private Future<Buffer> body(HttpClientResponse resp) {
    return BoundedBody.read(resp, maxEventBytes, name);
  }

  private void relisten(String sid) {
    if (!closed && sid.equals(sessionId)) {
      vertx.setTimer(1_000, t -> listen(sid));
    }
  }

  /**
   * The JSON-RPC error in a 400/404 body when it is one a 2026-07-28 server sends (any error once
   * the upstream is known to be modern; during era detection only the codes only modern servers use).
   */
  private JsonNode modernError(Buffer body) {
    try {
      JsonNode m = json.readTree(body.getBytes());
      JsonNode err = m == null ? null : m.get("error");
      if (err == null || !err.path("code").isInt()) {
        return null;
      }
      int code = err.path("code").asInt();
      boolean modernCode = code == McpError.HEADER_MISMATCH || code == McpError.MISSING_CLIENT_CAPABILITY
          || code == McpError.UNSUPPORTED_PROTOCOL_VERSION;
      return modernCode || (modern() && sessionId == null) ? err : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private void deliver(JsonNode m) {
    Sink s = sink;
    if (s != null) {
      s.message(m);
    }
  }

  private void stopListening() {
    HttpClientRequest l = listening;
    listening = null;
    if (l != null) {
      l.reset();
    }
  }

  @Override
  public Future<Void> close() {
    closed = true;
    stopListening();
    String sid = sessionId;
    sessionId = null;
    if (sid == null) {
      return Future.succeededFuture();
    }
    RequestOptions o = toServer().setMethod(HttpMethod.DELETE)
        .setConnectTimeout(2_000).putHeader("mcp-session-id", sid);
    lastHeaders.forEach(o::putHeader);
    return http.request(o).compose(HttpClientRequest::send).compose(HttpClientResponse::body)
        .<Void>mapEmpty().otherwiseEmpty();
  }

  @Override
  public String describe() {
    return "http:" + url;
  }

  /** How much of an unexpected upstream message goes into a log line. */
  private static final int LOGGED_CHARS = 300;

  private McpError unreachable(Throwable e) {
    return e instanceof McpError m ? m
        : new McpError(McpError.UPSTREAM_UNAVAILABLE, "cannot reach " + url + ": " + message(e));
  }

  /** Whether a response id is the request's (numbers compare by value: 3 and 3L are the same id). */
  private static boolean sameId(JsonNode requestId, JsonNode id) {
    if (id == null) {
      return false;
    }
    if (requestId.isIntegralNumber() && id.isIntegralNumber()) {
      return requestId.bigIntegerValue().equals(id.bigIntegerValue());
    }
    return requestId.equals(id);
  }

  private static String snippet(Buffer b) {
    String s = b.toString();
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
