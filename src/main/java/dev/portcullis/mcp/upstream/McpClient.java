package dev.portcullis.mcp.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.JsonRpc;
import dev.portcullis.mcp.McpError;
import dev.portcullis.mcp.ProtocolVersions;
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

  /** Connects now (used at start-up so that the first client does not wait). */
  public Future<Void> start() {
    return ready();
  }

  /** Sends a request once the session is up; the future fails with an {@link McpError}. */
  public Future<JsonNode> request(String method, ObjectNode params, Cancellation cancel) {
    return request(method, params, cancel, null);
  }

  /** As {@link #request(String, ObjectNode, Cancellation)}; related messages go to the listener. */
  public Future<JsonNode> request(String method, ObjectNode params, Cancellation cancel, RelatedListener listener) {
    return ready().compose(v -> send(method, params, cancel, true, listener));
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
        .compose(v -> initialize())
        .andThen(ar -> connected(gen, ar.succeeded(), ar.cause()));
    return connecting;
  }

  private Future<Void> initialize() {
    ObjectNode params = F.objectNode().put("protocolVersion", ProtocolVersions.LATEST_LEGACY);
    ObjectNode caps = params.putObject("capabilities");
    caps.putObject("sampling"); // relayed to the downstream client that made the call
    caps.putObject("elicitation");
    params.set("clientInfo", clientInfo);
    return send("initialize", params, null, false, null).compose(result -> {
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
      return transport.send(JsonRpc.notification("notifications/initialized", null));
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
    long id = ids.incrementAndGet();
    Promise<JsonNode> p = Promise.promise();
    pending.put(id, p);
    if (listener != null) {
      listeners.put(id, listener);
    }
    long timer = vertx.setTimer(timeoutMs, t -> {
      if (pending.remove(id) != null) {
        transport.send(JsonRpc.notification("notifications/cancelled",
            F.objectNode().put("requestId", id).put("reason", "timed out in the gateway")));
        p.tryFail(new McpError(McpError.UPSTREAM_TIMEOUT, "upstream '" + name + "' did not answer "
            + method + " within " + timeoutMs + " ms"));
      }
    });
    if (cancel != null) {
      cancel.onCancel(() -> {
        if (pending.remove(id) != null) {
          transport.send(JsonRpc.notification("notifications/cancelled",
              F.objectNode().put("requestId", id).put("reason", "cancelled by the client")));
          p.tryFail(new McpError(McpError.INTERNAL_ERROR, "request cancelled"));
        }
      });
    }
    transport.send(JsonRpc.request(LongNode.valueOf(id), method, params)).onFailure(e -> {
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
        ready().compose(v -> send(method, params, cancel, false, listener)).onComplete(
            ar -> {
              if (ar.succeeded()) {
                p.tryComplete(ar.result());
              } else {
                p.tryFail(ar.cause());
              }
            });
        return;
      }
      p.tryFail(e instanceof McpError m ? m : unavailable(reason(e)));
    });
    return p.future().andThen(ar -> {
      vertx.cancelTimer(timer);
      listeners.remove(id);
    });
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
      default -> LOG.atWarn().addKeyValue("upstream", name).log("ignored an invalid JSON-RPC message from upstream");
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
    Future<JsonNode> result = "ping".equals(method) ? Future.succeededFuture(F.objectNode())
        : serverRequests.apply(method, JsonRpc.params(m));
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
