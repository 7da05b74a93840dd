package dev.portcullis.mcp.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.mcp.protocol.ProtocolVersions;
import dev.portcullis.mcp.protocol.RequestMeta;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's client session with one upstream MCP server: one session shared by every
 * downstream request (pooled, not one handshake per call). Initializes on first use, correlates
 * responses, times requests out, re-initializes when the upstream forgets the session (404), and
 * keeps supervised transports (stdio) up, restarting them with exponential backoff.
 */
public final class McpClient implements Transport.Sink {
  private static final Logger LOG = LoggerFactory.getLogger(McpClient.class);
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** Connection state. */
  public enum State { DOWN, CONNECTING, READY, CLOSED }

  private final Vertx vertx;
  private final String name;
  private final Transport transport;
  private final long timeoutMs;
  private final ObjectNode clientInfo;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Promise<JsonNode>> pending = new ConcurrentHashMap<>();
  private final Map<Long, RelatedListener> listeners = new ConcurrentHashMap<>();
  private volatile BiConsumer<String, ObjectNode> notifications = (m, p) -> { };
  private volatile BiFunction<String, ObjectNode, Future<JsonNode>> serverRequests =
      (m, p) -> Future.failedFuture(new McpError(McpError.METHOD_NOT_FOUND, "Method not found: " + m));
  private volatile Runnable onReady = () -> { };

  private State state = State.DOWN;
  private Future<Void> connecting;
  private String lastError = "not connected yet";
  private long backoffMs = 0;
  private long nextAttemptAt = 0;
  private long generation;
  private volatile JsonNode serverInfo = F.objectNode();
  private volatile JsonNode capabilities = F.objectNode();
  private volatile String instructions;
  private volatile String protocolVersion;
  /** Whether the upstream speaks a stateless revision (2026-07-28): decided by probing at connect. */
  private volatile boolean modern;
  private static final long PROBE_TIMEOUT_MS = 5_000;
  /** Resources whose updates the gateway wants from a 2026-07-28 upstream (on its listen stream). */
  private final java.util.Set<String> watched = ConcurrentHashMap.newKeySet();
  private volatile Cancellation listening;

  public McpClient(Vertx vertx, String name, Transport transport, long timeoutMs, String gatewayVersion) {
    this.vertx = vertx;
    this.name = name;
    this.transport = transport;
    this.timeoutMs = timeoutMs;
    this.clientInfo = F.objectNode().put("name", "portcullis").put("version", gatewayVersion);
  }

  public String name() {
    return name;
  }

  public void onNotification(BiConsumer<String, ObjectNode> listener) {
    this.notifications = listener;
  }

  public void onServerRequest(BiFunction<String, ObjectNode, Future<JsonNode>> handler) {
    this.serverRequests = handler;
  }

  /** Runs after every successful (re-)initialization, e.g. to drop cached lists. */
  public void onReady(Runnable r) {
    this.onReady = r;
  }

  public synchronized State state() {
    return state;
  }

  public synchronized String lastError() {
    return lastError;
  }

  public JsonNode serverInfo() {
    return serverInfo;
  }

  public JsonNode capabilities() {
    return capabilities;
  }

  public String instructions() {
    return instructions;
  }

  public String protocolVersion() {
    return protocolVersion;
  }

  /** Whether the upstream speaks a stateless revision (no session; per-request metadata; input_required). */
  public boolean modern() {
    return modern;
  }

  /** Requests sent and not yet answered (a retired upstream is closed once this reaches zero). */
  public int inFlight() {
    return pending.size();
  }

  /** Connects now (used at start-up so that the first client does not wait). */
  public Future<Void> start() {
    if (Vertx.currentContext() == null) {
      // called from outside Vert.x (start-up): connect from an event loop, where the transports'
      // callbacks run, not from the calling thread
      Promise<Void> started = Promise.promise();
      vertx.runOnContext(v -> ready().onComplete(started));
      return started.future();
    }
    return ready();
  }

  /** Sends a request once the session is up; the future fails with an {@link McpError}. */
  public Future<JsonNode> request(String method, ObjectNode params, Cancellation cancel) {
    return request(method, params, cancel, null);
  }

  /** As {@link #request(String, ObjectNode, Cancellation)}; related messages go to the listener. */
  public Future<JsonNode> request(String method, ObjectNode params, Cancellation cancel, RelatedListener listener) {
    return request(method, params, cancel, listener, Map.of(), null);
  }

  /**
   * As above; for a 2026-07-28 upstream, {@code headers} go along ({@code Mcp-Param-*}) and
   * {@code clientCapabilities} are declared for this request (null: the gateway's own).
   */
  public Future<JsonNode> request(String method, ObjectNode params, Cancellation cancel, RelatedListener listener,
      Map<String, String> headers, JsonNode clientCapabilities) {
    return ready().compose(v -> send(method, params, cancel, true, listener, headers, clientCapabilities, timeoutMs));
  }

  public Future<JsonNode> request(String method, ObjectNode params) {
    return request(method, params, null);
  }

  public void notify(String method, ObjectNode params) {
    ready().onSuccess(v -> transport.send(JsonRpc.notification(method, params)));
  }

  private synchronized Future<Void> ready() {
    switch (state) {
      case READY:
        return Future.succeededFuture();
      case CONNECTING:
        return connecting;
      case CLOSED:
        return Future.failedFuture(unavailable("the gateway is shutting down"));
      default:
        if (System.currentTimeMillis() < nextAttemptAt) {
          return Future.failedFuture(unavailable(lastError));
        }
        return connect();
    }
  }

  private synchronized Future<Void> connect() {
    state = State.CONNECTING;
    long gen = ++generation;
    connecting = transport.open(this)
        .compose(v -> transport.probesModern() ? discover() : initialize())
        .andThen(ar -> connected(gen, ar.succeeded(), ar.cause()));
    return connecting;
  }

  /** The gateway's own capabilities as a client: what it can relay to downstream clients. */
  private static ObjectNode ownCapabilities() {
    ObjectNode caps = F.objectNode();
    caps.putObject("sampling");
    caps.putObject("elicitation");
    return caps;
  }

  /**
   * Era detection: a server/discover in 2026-07-28. A DiscoverResult (or a recognised modern
   * error) means a stateless server; anything else (an HTTP 4xx without a modern error body, a
   * JSON-RPC error from a server that wants initialize first, silence) means a legacy one.
   */
  private Future<Void> discover() {
    modern = false;
    transport.negotiated(ProtocolVersions.V2026_07_28);
    ObjectNode params = F.objectNode();
    params.set("_meta", RequestMeta.outgoing(ProtocolVersions.V2026_07_28, clientInfo, ownCapabilities()));
    return send(McpMethods.SERVER_DISCOVER, params, null, false, null, Map.of(), null,
        Math.min(timeoutMs, PROBE_TIMEOUT_MS))
        .transform(ar -> {
          if (ar.succeeded() && ar.result().path("supportedVersions").toString().contains(ProtocolVersions.V2026_07_28)) {
            JsonNode r = ar.result();
            protocolVersion = ProtocolVersions.V2026_07_28;
            serverInfo = r.path("_meta").path(RequestMeta.SERVER_INFO);
            capabilities = r.path("capabilities");
            instructions = r.path("instructions").asText(null);
            modern = true;
            return Future.<Void>succeededFuture();
          }
          if (ar.failed() && ar.cause() instanceof McpError e && e.code() == McpError.UNSUPPORTED_PROTOCOL_VERSION) {
            return Future.<Void>failedFuture(new McpError(McpError.UPSTREAM_UNAVAILABLE, "upstream '" + name
                + "' supports none of the gateway's protocol versions: " + (e.data() == null ? "" : e.data().path("supported"))));
          }
          transport.negotiated(null);
          return initialize();
        });
  }

  private Future<Void> initialize() {
    ObjectNode params = F.objectNode().put("protocolVersion", ProtocolVersions.LATEST_LEGACY);
    ObjectNode caps = params.putObject("capabilities");
    caps.putObject("sampling"); // relayed to the downstream client that made the call
    caps.putObject("elicitation");
    params.set("clientInfo", clientInfo);
    return send(McpMethods.INITIALIZE, params, null, false, null).compose(result -> {
      String v = result.path("protocolVersion").asText(null);
      if (!ProtocolVersions.supported(v)) {
        return Future.failedFuture(new McpError(McpError.UPSTREAM_UNAVAILABLE,
            "upstream '" + name + "' speaks unsupported protocol version " + v));
      }
      protocolVersion = v;
      serverInfo = result.path("serverInfo");
      capabilities = result.path("capabilities");
      instructions = result.path("instructions").asText(null);
      transport.negotiated(v);
      return transport.send(JsonRpc.notification(McpMethods.NOTIFICATION_INITIALIZED, null));
    });
  }

  private void connected(long gen, boolean ok, Throwable cause) {
    boolean restart;
    synchronized (this) {
      if (gen != generation || state == State.CLOSED) {
        return;
      }
      if (ok) {
        state = State.READY;
        backoffMs = 0;
        nextAttemptAt = 0;
        LOG.atInfo().addKeyValue("upstream", name).addKeyValue("transport", transport.describe())
            .addKeyValue("protocol_version", protocolVersion).log("MCP upstream connected");
      } else {
        down(reason(cause));
        LOG.atWarn().addKeyValue("upstream", name).addKeyValue("error", lastError)
            .log("MCP upstream failed to initialize");
      }
      restart = !ok && transport.supervised();
    }
    if (ok) {
      onReady.run();
      listen(gen);
    } else {
      transport.close();
      if (restart) {
        scheduleRestart();
      }
    }
  }

  /** Marks the session down and advances the backoff. Caller holds the lock. */
  private void down(String reason) {
    state = State.DOWN;
    lastError = reason;
    backoffMs = backoffMs == 0 ? 500 : Math.min(backoffMs * 2, 30_000);
    nextAttemptAt = System.currentTimeMillis() + backoffMs;
  }

  private void scheduleRestart() {
    long delay;
    synchronized (this) {
      delay = Math.max(1, nextAttemptAt - System.currentTimeMillis());
    }
    vertx.setTimer(delay, t -> {
      synchronized (this) {
        if (state == State.DOWN) {
          nextAttemptAt = 0;
          connect();
        }
      }
    });
  }

  private Future<JsonNode> send(String method, ObjectNode params, Cancellation cancel, boolean retryExpired,
      RelatedListener listener) {
    return send(method, params, cancel, retryExpired, listener, Map.of(), null, timeoutMs);
  }

  /**
   * 2026-07-28 upstreams have no GET stream: change notifications come on the response stream of
   * a subscriptions/listen request, reopened while the connection lasts.
   */
  /**
   * Asks a 2026-07-28 upstream for notifications/resources/updated about one more resource: the
   * listen stream is reopened with the new set (session-based upstreams use resources/subscribe).
   */
  public void watchResource(String uri) {
    if (!modern || !watched.add(uri)) {
      return;
    }
    Cancellation current = listening;
    if (current != null) {
      current.cancel(); // reopened at once with the new set
    } else {
      long gen;
      synchronized (this) {
        if (state != State.READY) {
          return;
        }
        gen = generation;
      }
      listen(gen);
    }
  }

  private void listen(long gen) {
    JsonNode caps = capabilities;
    if (!modern) {
      return;
    }
    ObjectNode filter = F.objectNode();
    for (String kind : new String[] {"tools", "prompts", "resources"}) {
      if (caps.path(kind).path("listChanged").asBoolean(false)) {
        filter.put(kind + "ListChanged", true);
      }
    }
    if (!watched.isEmpty()) {
      java.util.List<String> uris = new java.util.ArrayList<>(watched);
      java.util.Collections.sort(uris);
      uris.forEach(filter.putArray("resourceSubscriptions")::add);
    }
    if (filter.isEmpty()) {
      return;
    }
    Cancellation cancel = new Cancellation();
    listening = cancel;
    ObjectNode params = F.objectNode();
    params.set("notifications", filter);
    RelatedListener relay = new RelatedListener() {
      @Override
      public void notification(String method, ObjectNode p) {
        notifications.accept(method, p);
      }

      @Override
      public Future<JsonNode> request(String method, ObjectNode p) {
        return Future.failedFuture(new McpError(McpError.METHOD_NOT_FOUND, "Method not found: " + method));
      }
    };
    send(McpMethods.SUBSCRIPTIONS_LISTEN, params, cancel, false, relay, Map.of(), null, 0).onComplete(ar -> {
      boolean reopen = ar.failed() && ar.cause() instanceof McpError e && "request cancelled".equals(e.getMessage());
      synchronized (this) {
        if (listening == cancel) {
          listening = null;
        }
        if (gen != generation || state != State.READY) {
          return;
        }
      }
      vertx.setTimer(reopen ? 1 : 1_000, t -> {
        synchronized (this) {
          if (gen != generation || state != State.READY) {
            return;
          }
        }
        listen(gen);
      });
    });
  }

  private Future<JsonNode> send(String method, ObjectNode params, Cancellation cancel, boolean retryExpired,
      RelatedListener listener, Map<String, String> headers, JsonNode clientCapabilities, long timeout) {
    ObjectNode out = params;
    if (modern) {
      out = params.deepCopy();
      ObjectNode meta = out.path("_meta") instanceof ObjectNode m ? m : out.putObject("_meta");
      meta.setAll(RequestMeta.outgoing(protocolVersion, clientInfo,
          clientCapabilities != null ? clientCapabilities : ownCapabilities()));
    } else if (params.path("_meta").isObject() && !McpMethods.SERVER_DISCOVER.equals(method)) {
      // a stateless client's per-request metadata means nothing to a session-based server
      java.util.List<String> stale = new java.util.ArrayList<>();
      params.path("_meta").fieldNames().forEachRemaining(k -> {
        if (k.startsWith("io.modelcontextprotocol/")) {
          stale.add(k);
        }
      });
      if (!stale.isEmpty()) {
        out = params.deepCopy();
        ((ObjectNode) out.get("_meta")).remove(stale);
        if (out.get("_meta").isEmpty()) {
          out.remove("_meta");
        }
      }
    }
    long id = ids.incrementAndGet();
    Promise<JsonNode> p = Promise.promise();
    pending.put(id, p);
    if (listener != null) {
      listeners.put(id, listener);
    }
    long timer = timeout <= 0 ? -1 : vertx.setTimer(timeout, t -> {
      if (pending.remove(id) != null) {
        cancelUpstream(id, "timed out in the gateway");
        p.tryFail(new McpError(McpError.UPSTREAM_TIMEOUT, "upstream '" + name + "' did not answer "
            + method + " within " + timeout + " ms"));
      }
    });
    if (cancel != null) {
      cancel.onCancel(() -> {
        if (pending.remove(id) != null) {
          cancelUpstream(id, "cancelled by the client");
          p.tryFail(new McpError(McpError.INTERNAL_ERROR, "request cancelled"));
        }
      });
    }
    transport.send(JsonRpc.request(LongNode.valueOf(id), method, out), headers).onFailure(e -> {
      if (pending.remove(id) == null) {
        return;
      }
      if (e instanceof SessionExpiredException && retryExpired) {
        LOG.atInfo().addKeyValue("upstream", name).log("MCP upstream session expired; re-initializing");
        synchronized (this) {
          if (state == State.READY) {
            state = State.DOWN;
            nextAttemptAt = 0;
          }
        }
        ready().compose(v -> send(method, params, cancel, false, listener, headers, clientCapabilities, timeout))
            .onComplete(
            ar -> {
              if (ar.succeeded()) {
                p.tryComplete(ar.result());
              } else {
                p.tryFail(ar.cause());
              }
            });
        return;
      }
      // transport failures name the upstream, so that the client knows which server is in trouble
      p.tryFail(e instanceof McpError m && m.code() != McpError.UPSTREAM_UNAVAILABLE ? m : unavailable(reason(e)));
    });
    return p.future().andThen(ar -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      listeners.remove(id);
    });
  }

  /** Tells the upstream to stop: on 2026-07-28 HTTP by closing the stream, else notifications/cancelled. */
  private void cancelUpstream(long id, String reason) {
    if (!transport.abort(LongNode.valueOf(id))) {
      transport.send(JsonRpc.notification(McpMethods.NOTIFICATION_CANCELLED,
          F.objectNode().put("requestId", id).put("reason", reason)));
    }
  }

  @Override
  public void message(JsonNode m) {
    switch (JsonRpc.kind(m)) {
      case RESPONSE -> {
        Promise<JsonNode> p = m.path("id").canConvertToLong() ? pending.remove(m.path("id").asLong()) : null;
        if (p == null) {
          return; // late answer to a timed-out or cancelled request
        }
        JsonNode err = m.get("error");
        if (err != null) {
          p.tryFail(new McpError(err.path("code").asInt(McpError.INTERNAL_ERROR),
              err.path("message").asText("upstream error"), err.get("data")));
        } else {
          p.tryComplete(m.get("result"));
        }
      }
      case NOTIFICATION -> notifications.accept(m.get("method").asText(), JsonRpc.params(m));
      case REQUEST -> answer(m);
      default -> LOG.atWarn().addKeyValue("upstream", name).addKeyValue("message", JsonRpc.forLog(m, 300))
          .log("ignored an invalid JSON-RPC message from upstream");
    }
  }

  @Override
  public void related(JsonNode m, JsonNode requestId) {
    RelatedListener l = requestId != null && requestId.canConvertToLong() ? listeners.get(requestId.asLong()) : null;
    JsonRpc.Kind kind = JsonRpc.kind(m);
    if (l == null || kind == JsonRpc.Kind.RESPONSE || kind == JsonRpc.Kind.INVALID) {
      message(m);
      return;
    }
    if (kind == JsonRpc.Kind.NOTIFICATION) {
      l.notification(m.get("method").asText(), JsonRpc.params(m));
      return;
    }
    JsonNode id = m.get("id");
    l.request(m.get("method").asText(), JsonRpc.params(m)).onComplete(ar -> transport.send(ar.succeeded()
        ? JsonRpc.result(id, ar.result()) : JsonRpc.error(id, ar.cause())));
  }

  private void answer(JsonNode m) {
    JsonNode id = m.get("id");
    String method = m.get("method").asText();
    Future<JsonNode> result;
    RelatedListener only = transport.sharedChannel() && listeners.size() == 1
        ? listeners.values().stream().findFirst().orElse(null) : null;
    if (McpMethods.PING.equals(method)) {
      result = Future.succeededFuture(F.objectNode());
    } else if (only != null) {
      // stdio has no per-request stream: a server-to-client request (sampling, elicitation) belongs
      // to the call in flight when there is exactly one; with several it cannot be told apart safely
      result = only.request(method, JsonRpc.params(m));
    } else {
      result = serverRequests.apply(method, JsonRpc.params(m));
    }
    result.onComplete(ar -> transport.send(ar.succeeded() ? JsonRpc.result(id, ar.result())
        : JsonRpc.error(id, ar.cause())));
  }

  @Override
  public void closed(String reason) {
    boolean restart;
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      boolean wasUp = state == State.READY;
      down(reason);
      restart = transport.supervised() && wasUp;
      if (wasUp) {
        generation++;
      }
    }
    LOG.atWarn().addKeyValue("upstream", name).addKeyValue("reason", reason).log("MCP upstream went down");
    for (Long id : pending.keySet()) {
      Promise<JsonNode> p = pending.remove(id);
      if (p != null) {
        p.tryFail(unavailable(reason));
      }
    }
    if (restart) {
      scheduleRestart();
    }
  }

  public Future<Void> close() {
    synchronized (this) {
      state = State.CLOSED;
      generation++;
    }
    pending.values().forEach(p -> p.tryFail(unavailable("the gateway is shutting down")));
    pending.clear();
    return transport.close();
  }

  private McpError unavailable(String reason) {
    return new McpError(McpError.UPSTREAM_UNAVAILABLE, "upstream '" + name + "' is unavailable: " + reason);
  }

  private static String reason(Throwable e) {
    if (e == null) {
      return "unknown error";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
