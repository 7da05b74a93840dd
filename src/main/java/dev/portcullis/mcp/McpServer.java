package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.aggregate.Aggregator;
import dev.portcullis.mcp.aggregate.Entry;
import dev.portcullis.mcp.aggregate.ItemKind;
import dev.portcullis.mcp.aggregate.Upstream;
import dev.portcullis.mcp.downstream.Interactions;
import dev.portcullis.mcp.downstream.McpHeaders;
import dev.portcullis.mcp.downstream.McpSession;
import dev.portcullis.mcp.downstream.SessionRegistry;
import dev.portcullis.mcp.era.EraTranslation;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.mcp.protocol.ProtocolVersions;
import dev.portcullis.mcp.protocol.RequestMeta;
import dev.portcullis.mcp.upstream.Cancellation;
import dev.portcullis.mcp.upstream.RelatedListener;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The gateway as one MCP server: answers lists from the merged view of its endpoint and routes
 * calls, reads, prompt gets and completions to the upstream that owns the item, under the
 * upstream's own name. Progress is relayed back, cancellation forwarded.
 */
public final class McpServer implements McpHandler {
  static final int PAGE_SIZE = 500;

  /** The merged view; replaced whole when a reload changes the set of upstreams. */
  private volatile Aggregator aggregator;
  private final SessionRegistry sessions;
  private final String version;
  private final AtomicLong tokens = new AtomicLong();
  private final Map<String, Relay> progress = new ConcurrentHashMap<>();
  private final Map<String, Cancellation> inFlight = new ConcurrentHashMap<>();
  private final Interactions interactions;
  private final java.util.Set<Listen> listens = ConcurrentHashMap.newKeySet();
  /**
   * Identity, policy, guard and audit on every list and call, as the configuration in force has
   * them (read per request: a reload's snapshot brings its own); null when none is configured (no
   * extra work).
   */
  private final java.util.function.Supplier<McpGovernance> governance;
  /** Client spans for the requests sent upstream; null when tracing is off (no extra work). */
  private final dev.portcullis.telemetry.McpTracing tracing;
  /** Tool call counts and latencies. */
  private final dev.portcullis.telemetry.GatewayMetrics metrics;
  /** What differs between session-era and 2026-07-28 clients at the edge. */
  private final EraTranslation eras;
  /** The handler of each method this server answers; any other is {@code METHOD_NOT_FOUND}. */
  private final Map<String, MethodHandler> handlers = handlers();
  /** At most this many input_required rounds are relayed to a legacy client for one call. */
  private static final int MAX_INPUT_ROUNDS = 8;

  /** A stateless client's subscriptions/listen stream. */
  private record Listen(String principalId, String view, JsonNode id, JsonNode filter, java.util.Set<String> uris,
      Consumer<JsonNode> out) {}

  private record Relay(JsonNode token, Consumer<JsonNode> to) {}

  /** Answers one method: its result, or a failed future (or a thrown {@link McpError}) with the error. */
  @FunctionalInterface
  private interface MethodHandler {
    Future<JsonNode> handle(CallContext ctx, String method, ObjectNode params);
  }

  /**
   * @param governance the governance of the configuration in force (its value may be null: none)
   * @param tracing traces the requests sent upstream (null: off)
   * @param metrics counts tool calls sent upstream, by server, tool and outcome, and times them
   * @param replicas reaches the replica that holds a call a client answers with inputResponses
   */
  public McpServer(Aggregator aggregator, SessionRegistry sessions, String version,
      java.util.function.Supplier<McpGovernance> governance, dev.portcullis.telemetry.McpTracing tracing,
      dev.portcullis.telemetry.GatewayMetrics metrics, dev.portcullis.cluster.ReplicaRequests replicas) {
    this.governance = governance;
    this.interactions = new Interactions(replicas);
    this.aggregator = aggregator;
    this.sessions = sessions;
    this.version = version;
    this.eras = new EraTranslation(version);
    this.tracing = tracing;
    this.metrics = metrics;
  }

  /** The merged views in force (replaced when the configuration is reloaded). */
  Aggregator aggregator() {
    return aggregator;
  }

  /** Serves another set of upstreams (a reload); requests already routed finish on the upstream they found. */
  void aggregate(Aggregator next) {
    this.aggregator = next;
  }

  @Override
  public boolean hasView(String view) {
    return aggregator.hasView(view);
  }

  @Override
  public Future<JsonNode> request(CallContext ctx, String method, ObjectNode params) {
    McpError unsupported = eras.unsupported(method, ctx.modern(), ctx.modern() ? ctx.meta().protocolVersion() : null);
    if (unsupported != null) {
      return Future.failedFuture(unsupported);
    }
    MethodHandler handler = handlers.get(method);
    if (handler == null) {
      return Future.failedFuture(new McpError(McpError.METHOD_NOT_FOUND, "Method not found: " + method));
    }
    Future<JsonNode> result;
    try {
      result = handler.handle(ctx, method, params);
    } catch (McpError e) {
      result = Future.failedFuture(e);
    }
    return ctx.modern() ? result.map(r -> eras.toStateless(ctx.view(), method, r)) : result;
  }

  /** The method table: every method this server answers, and what answers it. */
  private Map<String, MethodHandler> handlers() {
    MethodHandler empty = (ctx, method, params) -> Future.succeededFuture(JsonRpc.F.objectNode());
    return Map.ofEntries(
        Map.entry(McpMethods.SERVER_DISCOVER, (ctx, method, params) -> Future.succeededFuture(discover(ctx.view()))),
        Map.entry(McpMethods.SUBSCRIPTIONS_LISTEN, (ctx, method, params) -> listen(ctx, params)),
        Map.entry(McpMethods.INITIALIZE,
            (ctx, method, params) -> Future.succeededFuture(initializeResult(ctx.view()))),
        Map.entry(McpMethods.PING, empty),
        Map.entry(McpMethods.LOGGING_SET_LEVEL, empty),
        Map.entry(McpMethods.TOOLS_LIST, (ctx, method, params) -> list(ctx, ItemKind.TOOLS, params)),
        Map.entry(McpMethods.PROMPTS_LIST, (ctx, method, params) -> list(ctx, ItemKind.PROMPTS, params)),
        Map.entry(McpMethods.RESOURCES_LIST, (ctx, method, params) -> list(ctx, ItemKind.RESOURCES, params)),
        Map.entry(McpMethods.RESOURCES_TEMPLATES_LIST, (ctx, method, params) -> list(ctx, ItemKind.TEMPLATES, params)),
        Map.entry(McpMethods.TOOLS_CALL,
            (ctx, method, params) -> named(ctx, ItemKind.TOOLS, method, params, "Unknown tool")),
        Map.entry(McpMethods.PROMPTS_GET,
            (ctx, method, params) -> named(ctx, ItemKind.PROMPTS, method, params, "Unknown prompt")),
        Map.entry(McpMethods.RESOURCES_READ, this::resource),
        Map.entry(McpMethods.RESOURCES_SUBSCRIBE, this::subscribe),
        Map.entry(McpMethods.RESOURCES_UNSUBSCRIBE, this::subscribe),
        Map.entry(McpMethods.COMPLETION_COMPLETE, (ctx, method, params) -> complete(ctx, params)));
  }

  @Override
  public void notification(CallContext ctx, String method, ObjectNode params) {
    if (McpMethods.NOTIFICATION_CANCELLED.equals(method) && ctx.session() != null) {
      Cancellation c = inFlight.remove(ctx.session().id() + "\u0000" + params.path("requestId"));
      if (c != null) {
        c.cancel();
      }
    }
  }

  ObjectNode initializeResult(String view) {
    ObjectNode r = JsonRpc.F.objectNode();
    ObjectNode caps = r.putObject("capabilities");
    caps.putObject("tools").put("listChanged", true);
    caps.putObject("resources").put("subscribe", true).put("listChanged", true);
    caps.putObject("prompts").put("listChanged", true);
    caps.putObject("completions");
    caps.putObject("logging");
    r.putObject("serverInfo").put("name", view.isEmpty() ? "portcullis" : "portcullis/" + view)
        .put("version", version);
    String description = view.isEmpty() ? null : aggregator.virtualServer(view).description();
    r.put("instructions", description != null ? description
        : "Portcullis MCP gateway: tools, resources and prompts of several MCP servers, each tool and "
        + "prompt name prefixed with its server's alias.");
    return r;
  }

  /** server/discover: what initialize told legacy clients, for stateless ones. */
  ObjectNode discover(String view) {
    ObjectNode r = initializeResult(view);
    r.remove("serverInfo");
    ProtocolVersions.all().forEach(r.putArray("supportedVersions")::add);
    return r;
  }

  /** subscriptions/listen: acknowledges the filter, then carries change notifications until closed. */
  private Future<JsonNode> listen(CallContext ctx, ObjectNode params) {
    JsonNode asked = params.path("notifications");
    ObjectNode ack = JsonRpc.F.objectNode();
    for (String flag : List.of("toolsListChanged", "promptsListChanged", "resourcesListChanged")) {
      if (asked.path(flag).asBoolean(false)) {
        ack.put(flag, true);
      }
    }
    java.util.Set<String> uris = ConcurrentHashMap.newKeySet();
    if (asked.path("resourceSubscriptions").isArray()) {
      ArrayNode subs = ack.putArray("resourceSubscriptions");
      asked.path("resourceSubscriptions").forEach(u -> {
        if (u.isTextual() && uris.add(u.asText())) {
          subs.add(u.asText());
        }
      });
    }
    ObjectNode p = JsonRpc.F.objectNode();
    p.set("notifications", ack);
    p.putObject("_meta").set(RequestMeta.SUBSCRIPTION_ID, ctx.requestId());
    ctx.related().accept(JsonRpc.notification(McpMethods.NOTIFICATION_SUBSCRIPTIONS_ACKNOWLEDGED, p));
    Listen l = new Listen(ctx.principal().id(), ctx.view(), ctx.requestId(), ack, uris, ctx.related());
    listens.add(l);
    for (String uri : uris) {
      resourceEntry(ctx.view(), uri).onSuccess(e -> {
        if (e != null && e.upstream().client().modern()) {
          e.upstream().client().watchResource(uri);
        } else if (e != null
            && e.upstream().client().capabilities().path("resources").path("subscribe").asBoolean(false)) {
          e.upstream().client().request(McpMethods.RESOURCES_SUBSCRIBE, JsonRpc.F.objectNode().put("uri", uri));
        }
      });
    }
    Promise<JsonNode> ended = Promise.promise();
    if (ctx.cancel() != null) {
      ctx.cancel().onCancel(() -> {
        listens.remove(l);
        ended.tryFail(new McpError(McpError.INTERNAL_ERROR, "subscription closed"));
      });
    }
    return ended.future();
  }

  private void toListeners(String flag, String uri, String method, ObjectNode params) {
    for (Listen l : listens) {
      if (flag != null ? l.filter().path(flag).asBoolean(false) : l.uris().contains(uri)) {
        ObjectNode p = params == null ? JsonRpc.F.objectNode() : params.deepCopy();
        ObjectNode meta = p.path("_meta") instanceof ObjectNode o ? o : p.putObject("_meta");
        meta.set(RequestMeta.SUBSCRIPTION_ID, l.id());
        l.out().accept(JsonRpc.notification(method, p));
      }
    }
  }

  private Future<JsonNode> list(CallContext ctx, ItemKind kind, ObjectNode params) {
    int offset = cursor(params.path("cursor").asText(null));
    McpGovernance g = governance.get();
    return aggregator.view(ctx.view(), kind).map(m -> {
      ObjectNode r = JsonRpc.F.objectNode();
      ArrayNode items = r.putArray(kind.field);
      List<Entry> all = g != null && g.filters(ctx) ? g.visible(ctx, kind, m.list()) : m.list();
      int end = Math.min(all.size(), offset + PAGE_SIZE);
      for (int i = offset; i < end; i++) {
        items.add(all.get(i).definition());
      }
      if (end < all.size()) {
        r.put("nextCursor", Base64.getUrlEncoder().withoutPadding()
            .encodeToString(("o:" + end).getBytes(StandardCharsets.UTF_8)));
      }
      return r;
    });
  }

  private static int cursor(String c) {
    if (c == null) {
      return 0;
    }
    try {
      String s = new String(Base64.getUrlDecoder().decode(c), StandardCharsets.UTF_8);
      if (s.startsWith("o:")) {
        int n = Integer.parseInt(s.substring(2));
        if (n >= 0) {
          return n;
        }
      }
    } catch (IllegalArgumentException e) {
      // falls through
    }
    throw McpError.invalidParams("Invalid cursor");
  }

  private Future<JsonNode> named(CallContext ctx, ItemKind kind, String method, ObjectNode params, String unknown) {
    String name = params.path("name").asText(null);
    if (name == null) {
      throw McpError.invalidParams("Missing required parameter: name");
    }
    return aggregator.find(ctx.view(), kind, name).compose(e -> {
      if (e == null) {
        unknown(ctx, method, name, params);
        Upstream owner = aggregator.prefixOwner(name);
        if (owner != null && owner.client().state() != dev.portcullis.mcp.upstream.McpClient.State.READY) {
          // its list never came (or is gone): the name may well exist, the upstream is what is missing
          return Future.failedFuture(new McpError(McpError.UPSTREAM_UNAVAILABLE, "'" + name + "' belongs to upstream '"
              + owner.key() + "', which is unavailable (not connected); try again later",
              JsonRpc.F.objectNode().put("upstream", owner.key())));
        }
        return Future.failedFuture(McpError.invalidParams(unknown + ": " + name));
      }
      if (ctx.modern() && kind == ItemKind.TOOLS) {
        String problem = McpHeaders.checkCall(e.definition().path("inputSchema"), params.path("arguments"),
            ctx.meta().paramHeaders());
        if (problem != null) {
          return Future.failedFuture(new McpError(McpError.HEADER_MISMATCH, problem));
        }
      }
      ObjectNode p = params.deepCopy().put("name", e.original());
      return forward(ctx, e, method, p);
    });
  }

  private Future<Entry> resourceEntry(String view, String uri) {
    return aggregator.find(view, ItemKind.RESOURCES, uri).compose(e -> {
      if (e != null) {
        return Future.succeededFuture(e);
      }
      return aggregator.view(view, ItemKind.TEMPLATES).map(m -> {
        for (Map.Entry<java.util.regex.Pattern, Entry> t : m.templates()) {
          if (t.getKey().matcher(uri).matches()) {
            return t.getValue();
          }
        }
        return null;
      });
    });
  }

  private Future<JsonNode> resource(CallContext ctx, String method, ObjectNode params) {
    String uri = params.path("uri").asText(null);
    if (uri == null) {
      throw McpError.invalidParams("Missing required parameter: uri");
    }
    return resourceEntry(ctx.view(), uri).compose(e -> {
      if (e == null) {
        unknown(ctx, method, uri, params);
        return Future.failedFuture(new McpError(McpError.RESOURCE_NOT_FOUND, "Resource not found",
            JsonRpc.F.objectNode().put("uri", uri)));
      }
      return forward(ctx, e, method, params.deepCopy());
    });
  }

  private Future<JsonNode> subscribe(CallContext ctx, String method, ObjectNode params) {
    String uri = params.path("uri").asText(null);
    if (uri == null) {
      throw McpError.invalidParams("Missing required parameter: uri");
    }
    return resourceEntry(ctx.view(), uri).compose(e -> {
      if (e == null) {
        return Future.failedFuture(new McpError(McpError.RESOURCE_NOT_FOUND, "Resource not found",
            JsonRpc.F.objectNode().put("uri", uri)));
      }
      McpGovernance g = governance.get();
      if (g != null && !method.endsWith("unsubscribe")) {
        return g.admit(ctx, e, method, params).compose(t -> subscribed(ctx, e, method, params).transform(t::finish));
      }
      return subscribed(ctx, e, method, params);
    });
  }

  private Future<JsonNode> subscribed(CallContext ctx, Entry e, String method, ObjectNode params) {
    String uri = params.path("uri").asText();
    if (ctx.session() != null) {
      if (method.endsWith("unsubscribe")) {
        ctx.session().subscriptions().remove(uri);
      } else {
        ctx.session().subscriptions().put(uri, Boolean.TRUE);
      }
      sessions.subscriptionsChanged(ctx.session());
    }
    if (e.upstream().client().modern()) {
      if (!method.endsWith("unsubscribe")) {
        e.upstream().client().watchResource(uri); // kept for other subscribers; the gateway filters
      }
      return Future.succeededFuture(JsonRpc.F.objectNode());
    }
    if (!e.upstream().client().capabilities().path("resources").path("subscribe").asBoolean(false)) {
      return Future.succeededFuture(JsonRpc.F.objectNode());
    }
    return e.upstream().client().request(method, params.deepCopy());
  }

  /** A request named nothing this endpoint shows: audited when auditing is on. */
  private void unknown(CallContext ctx, String method, String name, ObjectNode params) {
    McpGovernance g = governance.get();
    if (g != null) {
      g.unknown(ctx, method, name, params);
    }
  }

  private Future<JsonNode> complete(CallContext ctx, ObjectNode params) {
    JsonNode ref = params.path("ref");
    String type = ref.path("type").asText();
    if ("ref/prompt".equals(type)) {
      String name = ref.path("name").asText();
      return aggregator.find(ctx.view(), ItemKind.PROMPTS, name).compose(e -> {
        if (e == null) {
          return Future.failedFuture(McpError.invalidParams("Unknown prompt: " + name));
        }
        ObjectNode p = params.deepCopy();
        ((ObjectNode) p.get("ref")).put("name", e.original());
        return forward(ctx, e, McpMethods.COMPLETION_COMPLETE, p);
      });
    }
    if ("ref/resource".equals(type)) {
      String uri = ref.path("uri").asText();
      return aggregator.find(ctx.view(), ItemKind.TEMPLATES, uri).compose(e -> {
        Future<Entry> f = e != null ? Future.succeededFuture(e) : resourceEntry(ctx.view(), uri);
        return f.compose(x -> x == null ? Future.failedFuture(McpError.invalidParams("Unknown resource: " + uri))
            : forward(ctx, x, McpMethods.COMPLETION_COMPLETE, params.deepCopy()));
      });
    }
    return Future.failedFuture(McpError.invalidParams("Unknown completion reference type: " + type));
  }

  private Future<JsonNode> forward(CallContext ctx, Entry e, String method, ObjectNode params) {
    if (ctx.modern() && Interactions.ours(params.path("requestState").asText(null))) {
      return interactions.resume(ctx, method, params); // a retry of a call the gateway holds open
    }
    McpGovernance g = governance.get();
    if (g == null) {
      ClientApproval client = ctx.clientApproval();
      if (client != null && !client.approved()) { // nothing to record it in, but still not run
        return Future.failedFuture(new McpError(McpError.POLICY_DENIED, "Not run: not approved by the client ("
            + client.requestId() + ")"));
      }
      return relay(ctx, e, method, params, null);
    }
    return g.admit(ctx, e, method, params).compose(t -> t.answer != null ? Future.succeededFuture(t.answer)
        : relay(ctx, e, method, t.params, t));
  }

  /** Sends an admitted request upstream; {@code ticket} (or null) guards and audits its outcome. */
  private Future<JsonNode> relay(CallContext ctx, Entry e, String method, ObjectNode params,
      McpGovernance.Ticket ticket) {
    Interactions.Held held = null;
    Cancellation cancel = ctx.cancel() != null ? ctx.cancel() : new Cancellation();
    boolean mrtr = ctx.modern() && !e.upstream().client().modern() && McpHeaders.nameOf(method, params) != null;
    if (mrtr) {
      held = interactions.start(ctx, method, McpHeaders.nameOf(method, params), cancel);
    }
    Interactions.Held h = held;
    Consumer<JsonNode> to = h == null ? ctx.related() : m -> h.related.accept(m);
    JsonNode token = JsonRpc.progressToken(params);
    String relay = null;
    if (token != null) {
      relay = "pc-" + tokens.incrementAndGet();
      progress.put(relay, new Relay(token, to));
      ((ObjectNode) params.get("_meta")).put("progressToken", relay);
    }
    String key = ctx.session() != null && ctx.requestId() != null
        ? ctx.session().id() + "\u0000" + ctx.requestId() : null;
    if (key != null) {
      inFlight.put(key, cancel);
    }
    String relayKey = relay;
    long sentAt = System.nanoTime();
    Future<JsonNode> sent;
    try {
      sent = send(ctx, e, method, params, cancel, related(ctx, to, h));
    } catch (RuntimeException x) { // still through the ticket's finish: what the call holds is given back
      sent = Future.failedFuture(x);
    }
    Future<JsonNode> call = sent.andThen(ar -> {
      if (McpMethods.TOOLS_CALL.equals(method)) {
        metrics.mcpCall(e.upstream().key(), e.original(), McpOutcomes.label(ar), System.nanoTime() - sentAt);
      }
      if (relayKey != null) {
        progress.remove(relayKey);
      }
      if (key != null) {
        inFlight.remove(key);
      }
    });
    if (h != null) {
      (ticket == null ? call : call.transform(ticket::finish)).onComplete(h::done);
      return h.next();
    }
    if (ctx.modern()) {
      // a 2026-07-28 upstream's input_required goes to the client as it is
      return ticket == null ? call : call.transform(ticket::finish);
    }
    Future<JsonNode> done = call.compose(r -> fulfil(ctx, e, method, params, r, cancel, 1))
        .map(EraTranslation::toSession);
    return ticket == null ? done : done.transform(ticket::finish);
  }

  /** One request to the entry's upstream, with what a 2026-07-28 upstream needs to know about the client. */
  private Future<JsonNode> send(CallContext ctx, Entry e, String method, ObjectNode params, Cancellation cancel,
      RelatedListener listener) {
    McpClientHints hints = McpClientHints.of(ctx, e, method, params);
    dev.portcullis.telemetry.McpTracing t = tracing;
    if (t != null && ctx.trace() != null) { // a client span; its context goes upstream in _meta and headers
      McpSpans.Traced traced = McpSpans.client(t, ctx, e.upstream(), method, params, hints.headers());
      return McpSpans.ending(traced.span(), e.upstream().request(ctx.principal(), method, params, cancel, listener,
          traced.headers(), hints.capabilities()));
    }
    return e.upstream().request(ctx.principal(), method, params, cancel, listener, hints.headers(),
        hints.capabilities()); // a per-user upstream: the caller's own session and credential
  }

  /**
   * A 2026-07-28 upstream asked for input (input_required) on a legacy client's call: asks the
   * client each embedded request over its session, then retries the call with the answers.
   */
  private Future<JsonNode> fulfil(CallContext ctx, Entry e, String method, ObjectNode params, JsonNode result,
      Cancellation cancel, int round) {
    if (!"input_required".equals(result.path("resultType").asText())) {
      return Future.succeededFuture(result);
    }
    if (round > MAX_INPUT_ROUNDS) {
      return Future.failedFuture(new McpError(McpError.INTERNAL_ERROR, "upstream '" + e.upstream().key()
          + "' asked for input more than " + MAX_INPUT_ROUNDS + " times"));
    }
    RelatedListener asker = related(ctx, ctx.related(), null);
    List<String> keys = new java.util.ArrayList<>();
    List<Future<JsonNode>> answers = new java.util.ArrayList<>();
    result.path("inputRequests").fields().forEachRemaining(f -> {
      keys.add(f.getKey());
      JsonNode p = f.getValue().path("params");
      answers.add(asker.request(f.getValue().path("method").asText(),
          p instanceof ObjectNode o ? o : JsonRpc.F.objectNode()));
    });
    return Future.all(answers).compose(all -> {
      ObjectNode retry = params.deepCopy();
      ObjectNode responses = retry.putObject("inputResponses");
      for (int i = 0; i < keys.size(); i++) {
        responses.set(keys.get(i), answers.get(i).result());
      }
      if (result.hasNonNull("requestState")) {
        retry.set("requestState", result.get("requestState"));
      } else {
        retry.remove("requestState");
      }
      return send(ctx, e, method, retry, cancel, related(ctx, ctx.related(), null))
          .compose(r -> fulfil(ctx, e, method, params, r, cancel, round + 1));
    });
  }

  /** Relays what an upstream sends about one call to the client that made it. */
  private RelatedListener related(CallContext ctx, Consumer<JsonNode> to, Interactions.Held held) {
    return new RelatedListener() {
      @Override
      public void notification(String method, ObjectNode params) {
        if (McpMethods.NOTIFICATION_PROGRESS.equals(method)) {
          Relay r = progress.get(params.path("progressToken").asText());
          if (r != null) {
            ObjectNode p = params.deepCopy();
            p.set("progressToken", r.token());
            r.to().accept(JsonRpc.notification(method, p));
          }
          return;
        }
        if (McpMethods.NOTIFICATION_MESSAGE.equals(method) && ctx.modern() && ctx.meta().logLevel() == null) {
          return; // a stateless client that set no log level gets no log messages
        }
        to.accept(JsonRpc.notification(method, params));
      }

      @Override
      public Future<JsonNode> request(String method, ObjectNode params) {
        String capability = switch (method) {
          case McpMethods.SAMPLING_CREATE_MESSAGE -> "sampling";
          case McpMethods.ELICITATION_CREATE -> "elicitation";
          case McpMethods.ROOTS_LIST -> "roots";
          default -> null;
        };
        if (capability == null || ctx.clientCapabilities().path(capability).isMissingNode()) {
          return Future.failedFuture(new McpError(McpError.METHOD_NOT_FOUND,
              "The client does not support " + method));
        }
        if (held != null) {
          return held.ask(method, params); // becomes an input_required result for the stateless client
        }
        McpSession s = ctx.session();
        if (s == null) {
          return Future.failedFuture(new McpError(McpError.METHOD_NOT_FOUND, "The client cannot be asked " + method));
        }
        return s.askClient(method, params, to);
      }
    };
  }

  /** An upstream's notification: relays progress, propagates list changes and resource updates. */
  public void upstreamNotification(Upstream u, String method, ObjectNode params) {
    switch (method) {
      case McpMethods.NOTIFICATION_PROGRESS -> {
        Relay r = progress.get(params.path("progressToken").asText());
        if (r != null) {
          ObjectNode p = params.deepCopy();
          p.set("progressToken", r.token());
          r.to().accept(JsonRpc.notification(method, p));
        }
      }
      case McpMethods.NOTIFICATION_TOOLS_LIST_CHANGED -> changed(u, ItemKind.TOOLS);
      case McpMethods.NOTIFICATION_PROMPTS_LIST_CHANGED -> changed(u, ItemKind.PROMPTS);
      case McpMethods.NOTIFICATION_RESOURCES_LIST_CHANGED -> {
        u.invalidate(ItemKind.TEMPLATES);
        changed(u, ItemKind.RESOURCES);
      }
      case McpMethods.NOTIFICATION_RESOURCES_UPDATED -> {
        String uri = params.path("uri").asText();
        for (McpSession s : sessions.all()) {
          if (s.subscriptions().containsKey(uri)) {
            sessions.notifyAnywhere(s, JsonRpc.notification(method, params)); // its GET stream may be elsewhere
          }
        }
        toListeners(null, uri, method, params);
      }
      default -> { }
    }
  }

  /** An upstream's list changed (or it re-initialized): rebuild views and tell every client. */
  public void changed(Upstream u, ItemKind kind) {
    u.invalidate(kind);
    aggregator.invalidate();
    for (McpSession s : sessions.all()) {
      s.notifyClient(JsonRpc.notification(kind.listChanged(), null));
    }
    toListeners(kind.listenFlag(), null, kind.listChanged(), null);
  }

  /** Tells every client that all lists changed (a reload removed or replaced upstreams). */
  void listsChanged() {
    aggregator.invalidate();
    for (ItemKind kind : ItemKind.values()) {
      for (McpSession s : sessions.all()) {
        s.notifyClient(JsonRpc.notification(kind.listChanged(), null));
      }
      toListeners(kind.listenFlag(), null, kind.listChanged(), null);
    }
  }
}
