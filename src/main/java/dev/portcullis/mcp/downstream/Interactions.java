package dev.portcullis.mcp.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 */
public final class Interactions {
  static final String PREFIX = "portcullis-mrtr.";
  private static final long TTL_MS = 10 * 60_000L;

  private final Map<String, Held> byHandle = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  public static boolean ours(String requestState) {
    return requestState != null && requestState.startsWith(PREFIX);
  }

  /** Starts holding one forwarded call. */
  public Held start(CallContext ctx, String method, String name, Cancellation cancel) {
    sweep();
    return new Held(ctx.principal().id(), ctx.view(), method, name, cancel, ctx.related());
  }

  /** A client's retry that carries one of the gateway's handles. */
  public Future<JsonNode> resume(CallContext ctx, String method, ObjectNode params) {
    Held h = byHandle.get(params.path("requestState").asText());
    if (h == null || h.expired()) {
      return Future.failedFuture(McpError.invalidParams("requestState is unknown or expired: call again without it"));
    }
    if (!h.principalId.equals(ctx.principal().id()) || !h.view.equals(ctx.view()) || !h.method.equals(method)
        || !Objects.equals(h.name, McpHeaders.nameOf(method, params))) {
      return Future.failedFuture(McpError.invalidParams("requestState does not belong to this request"));
    }
    h.related = ctx.related();
    if (ctx.cancel() != null) {
      ctx.cancel().onCancel(h.cancel::cancel);
    }
    h.answer(params.path("inputResponses"));
    return h.next();
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
      handle = PREFIX + token();
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
