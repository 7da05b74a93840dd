package dev.portcullis.mcp.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.cluster.ReplicaRequests;
import dev.portcullis.mcp.CallContext;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.upstream.Cancellation;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Multi round-trip requests (2026-07-28) for calls the gateway forwards to a legacy upstream: when
 * the upstream sends a server-to-client request (sampling, elicitation, roots) while a stateless
 * client waits, the gateway keeps the upstream call open, answers the client with an
 * {@code input_required} result whose {@code requestState} is an unguessable handle to the held
 * call, and, when the client retries with {@code inputResponses}, hands those to the upstream and
 * waits on. A handle is bound to the principal, endpoint, method and item name that created it.
 *
 * <p>The held upstream call cannot move, so with several replicas a handle names the replica that
 * holds it ({@code portcullis-mrtr.<replica>.<token>}), and a retry that reached another replica
 * is relayed to that one ({@link ReplicaRequests}), which checks the binding as for its own
 * clients and sends back the outcome and whatever the upstream says meanwhile.
 */
public final class Interactions {
  static final String PREFIX = "portcullis-mrtr.";
  /** The relayed retries' service name between replicas. */
  static final String SERVICE = "mcp-input-required";
  private static final long TTL_MS = 10 * 60_000L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Held> byHandle = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final ReplicaRequests replicas;

  /** @param replicas reaches the replica holding a call ({@link ReplicaRequests#NONE} for one replica) */
  public Interactions(ReplicaRequests replicas) {
    this.replicas = replicas;
    replicas.serve(SERVICE, this::answerRelayed);
  }

  public static boolean ours(String requestState) {
    return requestState != null && requestState.startsWith(PREFIX);
  }

  /** The replica named in a handle, or null when it names none (one replica). */
  private static String owner(String handle) {
    int dot = handle.indexOf('.', PREFIX.length());
    return dot < 0 ? null : handle.substring(PREFIX.length(), dot);
  }

  /** Starts holding one forwarded call. */
  public Held start(CallContext ctx, String method, String name, Cancellation cancel) {
    sweep();
    return new Held(ctx.principal().id(), ctx.view(), method, name, cancel, ctx.related());
  }

  /** A client's retry that carries one of the gateway's handles. */
  public Future<JsonNode> resume(CallContext ctx, String method, ObjectNode params) {
    String handle = params.path("requestState").asText();
    String name = McpHeaders.nameOf(method, params);
    Consumer<Runnable> onCancel = ctx.cancel() == null ? c -> { } : ctx.cancel()::onCancel;
    String owner = owner(handle);
    if (owner != null && !owner.equals(replicas.self())) {
      return relay(owner, handle, ctx, method, name, params.path("inputResponses"), onCancel);
    }
    return resumeHere(handle, ctx.principal().id(), ctx.view(), method, name, params.path("inputResponses"),
        ctx.related(), onCancel);
  }

  private Future<JsonNode> resumeHere(String handle, String principalId, String view, String method, String name,
      JsonNode responses, Consumer<JsonNode> related, Consumer<Runnable> onCancel) {
    Held h = byHandle.get(handle);
    if (h == null || h.expired()) {
      return Future.failedFuture(unknown());
    }
    if (!h.principalId.equals(principalId) || !h.view.equals(view) || !h.method.equals(method)
        || !Objects.equals(h.name, name)) {
      return Future.failedFuture(McpError.invalidParams("requestState does not belong to this request"));
    }
    h.related = related;
    onCancel.accept(h.cancel::cancel);
    h.answer(responses);
    return h.next();
  }

  private static McpError unknown() {
    return McpError.invalidParams("requestState is unknown or expired: call again without it");
  }

  /** Hands a retry to the replica holding its call; what the caller is, is checked there as here. */
  private Future<JsonNode> relay(String owner, String handle, CallContext ctx, String method, String name,
      JsonNode responses, Consumer<Runnable> onCancel) {
    ObjectNode retry = JsonRpc.F.objectNode().put("handle", handle).put("principal", ctx.principal().id())
        .put("view", ctx.view()).put("method", method).put("name", name);
    retry.set("responses", responses);
    Consumer<JsonNode> related = ctx.related();
    return replicas.ask(owner, SERVICE, retry.toString(), text -> {
      if (related != null) {
        related.accept(parse(text));
      }
    }, onCancel).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(ar.cause() instanceof ReplicaRequests.Gone ? unknown()
            : new McpError(McpError.INTERNAL_ERROR, "The replica holding this call did not answer ("
                + ar.cause().getMessage() + "): call again without requestState"));
      }
      JsonNode outcome = parse(ar.result());
      JsonNode error = outcome.path("error");
      return error.isObject() ? Future.failedFuture(new McpError(error.path("code").asInt(McpError.INTERNAL_ERROR),
          error.path("message").asText(), error.get("data"))) : Future.succeededFuture(outcome.path("result"));
    });
  }

  /** Another replica's relayed retry: answered here, its outcome (result or error) sent back as one JSON text. */
  private Future<String> answerRelayed(String body, Consumer<String> messages, Consumer<Runnable> onCancel) {
    JsonNode r = parse(body);
    return resumeHere(r.path("handle").asText(), r.path("principal").asText(), r.path("view").asText(),
        r.path("method").asText(), r.hasNonNull("name") ? r.get("name").asText() : null, r.path("responses"),
        m -> messages.accept(m.toString()), onCancel).transform(ar -> {
          ObjectNode outcome = ar.succeeded() ? JsonRpc.F.objectNode().set("result", ar.result())
              : JsonRpc.error(null, ar.cause());
          return Future.succeededFuture(outcome.toString());
        });
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new McpError(McpError.INTERNAL_ERROR, "a malformed message from another replica");
    }
  }

  private void sweep() {
    for (Map.Entry<String, Held> e : byHandle.entrySet()) {
      if (e.getValue().expired() && byHandle.remove(e.getKey(), e.getValue())) {
        e.getValue().cancel.cancel();
      }
    }
  }

  private String token() {
    byte[] b = new byte[24];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** One forwarded call whose upstream may ask the client for input. */
  public final class Held {
    private final String principalId;
    private final String view;
    private final String method;
    private final String name;
    private final Cancellation cancel;
    private final Map<String, ObjectNode> asked = new LinkedHashMap<>();
    private final Map<String, Promise<JsonNode>> answers = new HashMap<>();
    private Promise<JsonNode> waiting;
    private AsyncResult<JsonNode> outcome;
    private String handle;
    private int seq;
    private long expiresAt = Long.MAX_VALUE;
    /** Where messages related to the call go: the stream of the client's latest round. */
    public volatile Consumer<JsonNode> related;

    private Held(String principalId, String view, String method, String name, Cancellation cancel,
        Consumer<JsonNode> related) {
      this.principalId = principalId;
      this.view = view;
      this.method = method;
      this.name = name;
      this.cancel = cancel;
      this.related = related;
    }

    private synchronized boolean expired() {
      return System.currentTimeMillis() > expiresAt;
    }

    /** The upstream asks the client something; the answer comes with the client's retry. */
    public Future<JsonNode> ask(String m, ObjectNode p) {
      Promise<JsonNode> answer = Promise.promise();
      Promise<JsonNode> w;
      ObjectNode required = null;
      synchronized (this) {
        String key = "input-" + (++seq);
        ObjectNode req = JsonRpc.F.objectNode().put("method", m);
        req.set("params", p);
        asked.put(key, req);
        answers.put(key, answer);
        w = waiting;
        waiting = null;
        if (w != null) {
          required = inputRequired();
        }
      }
      if (w != null) {
        w.tryComplete(required);
      }
      return answer.future();
    }

    /** What the client gets now or next: the upstream's outcome, or what it asks. */
    public synchronized Future<JsonNode> next() {
      if (outcome != null) {
        release();
        return outcome.succeeded() ? Future.succeededFuture(outcome.result()) : Future.failedFuture(outcome.cause());
      }
      if (!asked.isEmpty()) {
        return Future.succeededFuture(inputRequired());
      }
      waiting = Promise.promise();
      return waiting.future();
    }

    /** The upstream call ended (result, error, timeout or cancellation). */
    public void done(AsyncResult<JsonNode> ar) {
      Promise<JsonNode> w;
      synchronized (this) {
        outcome = ar;
        w = waiting;
        waiting = null;
        if (w != null) {
          release();
        }
      }
      if (w != null) {
        if (ar.succeeded()) {
          w.tryComplete(ar.result());
        } else {
          w.tryFail(ar.cause());
        }
      }
    }

    private void answer(JsonNode responses) {
      List<Map.Entry<Promise<JsonNode>, JsonNode>> ready = new ArrayList<>();
      synchronized (this) {
        for (String key : new ArrayList<>(asked.keySet())) {
          JsonNode v = responses.get(key);
          if (v != null && v.isObject()) {
            asked.remove(key);
            ready.add(Map.entry(answers.remove(key), v));
          }
        }
      }
      ready.forEach(e -> e.getKey().tryComplete(e.getValue()));
    }

    private ObjectNode inputRequired() {
      release();
      String self = replicas.self();
      handle = PREFIX + (self == null ? "" : self + ".") + token();
      expiresAt = System.currentTimeMillis() + TTL_MS;
      byHandle.put(handle, this);
      ObjectNode r = JsonRpc.F.objectNode().put("resultType", "input_required");
      ObjectNode requests = r.putObject("inputRequests");
      asked.forEach(requests::set);
      r.put("requestState", handle);
      return r;
    }

    private void release() {
      if (handle != null) {
        byHandle.remove(handle, this);
        handle = null;
      }
    }
  }
}
