package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.upstream.Cancellation;
import dev.portcullis.mcp.upstream.RelatedListener;
import io.vertx.core.Future;
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

  private final Aggregator aggregator;
  private final SessionRegistry sessions;
  private final String version;
  private final AtomicLong tokens = new AtomicLong();
  private final Map<String, Relay> progress = new ConcurrentHashMap<>();
  private final Map<String, Cancellation> inFlight = new ConcurrentHashMap<>();

  private record Relay(JsonNode token, Consumer<JsonNode> to) {}

  public McpServer(Aggregator aggregator, SessionRegistry sessions, String version) {
    this.aggregator = aggregator;
    this.sessions = sessions;
    this.version = version;
  }

  @Override
  public boolean hasView(String view) {
    return aggregator.hasView(view);
  }

  @Override
  public Future<JsonNode> request(CallContext ctx, String method, ObjectNode params) {
    try {
      return switch (method) {
        case "initialize" -> Future.succeededFuture(initializeResult(ctx.view()));
        case "ping", "logging/setLevel" -> Future.succeededFuture(JsonRpc.F.objectNode());
        case "tools/list" -> list(ctx.view(), ItemKind.TOOLS, params);
        case "prompts/list" -> list(ctx.view(), ItemKind.PROMPTS, params);
        case "resources/list" -> list(ctx.view(), ItemKind.RESOURCES, params);
        case "resources/templates/list" -> list(ctx.view(), ItemKind.TEMPLATES, params);
        case "tools/call" -> named(ctx, ItemKind.TOOLS, method, params, "Unknown tool");
        case "prompts/get" -> named(ctx, ItemKind.PROMPTS, method, params, "Unknown prompt");
        case "resources/read" -> resource(ctx, method, params);
        case "resources/subscribe", "resources/unsubscribe" -> subscribe(ctx, method, params);
        case "completion/complete" -> complete(ctx, params);
        default -> Future.failedFuture(new McpError(McpError.METHOD_NOT_FOUND, "Method not found: " + method));
      };
    } catch (McpError e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public void notification(CallContext ctx, String method, ObjectNode params) {
    if ("notifications/cancelled".equals(method) && ctx.session() != null) {
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

  private Future<JsonNode> list(String view, ItemKind kind, ObjectNode params) {
    int offset = cursor(params.path("cursor").asText(null));
    return aggregator.view(view, kind).map(m -> {
      ObjectNode r = JsonRpc.F.objectNode();
      ArrayNode items = r.putArray(kind.field);
      List<Entry> all = m.list();
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
        return Future.failedFuture(McpError.invalidParams(unknown + ": " + name));
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
    return resourceEntry(ctx.view(), uri).compose(e -> e == null
        ? Future.failedFuture(new McpError(McpError.RESOURCE_NOT_FOUND, "Resource not found",
            JsonRpc.F.objectNode().put("uri", uri)))
        : forward(ctx, e, method, params.deepCopy()));
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
      if (ctx.session() != null) {
        if (method.endsWith("unsubscribe")) {
          ctx.session().subscriptions().remove(uri);
        } else {
          ctx.session().subscriptions().put(uri, Boolean.TRUE);
        }
      }
      if (!e.upstream().client().capabilities().path("resources").path("subscribe").asBoolean(false)) {
        return Future.succeededFuture(JsonRpc.F.objectNode());
      }
      return e.upstream().client().request(method, params.deepCopy());
    });
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
        return forward(ctx, e, "completion/complete", p);
      });
    }
    if ("ref/resource".equals(type)) {
      String uri = ref.path("uri").asText();
      return aggregator.find(ctx.view(), ItemKind.TEMPLATES, uri).compose(e -> {
        Future<Entry> f = e != null ? Future.succeededFuture(e) : resourceEntry(ctx.view(), uri);
        return f.compose(x -> x == null ? Future.failedFuture(McpError.invalidParams("Unknown resource: " + uri))
            : forward(ctx, x, "completion/complete", params.deepCopy()));
      });
    }
    return Future.failedFuture(McpError.invalidParams("Unknown completion reference type: " + type));
  }

  private Future<JsonNode> forward(CallContext ctx, Entry e, String method, ObjectNode params) {
    JsonNode token = JsonRpc.progressToken(params);
    String relay = null;
    if (token != null) {
      relay = "pc-" + tokens.incrementAndGet();
      progress.put(relay, new Relay(token, ctx.related()));
      ((ObjectNode) params.get("_meta")).put("progressToken", relay);
    }
    String key = ctx.session() != null && ctx.requestId() != null
        ? ctx.session().id() + "\u0000" + ctx.requestId() : null;
    Cancellation cancel = new Cancellation();
    if (key != null) {
      inFlight.put(key, cancel);
    }
    String relayKey = relay;
    return e.upstream().client().request(method, params, cancel, related(ctx)).andThen(ar -> {
      if (relayKey != null) {
        progress.remove(relayKey);
      }
      if (key != null) {
        inFlight.remove(key);
      }
    });
  }

  /** Relays what an upstream sends about one call to the client that made it. */
  private RelatedListener related(CallContext ctx) {
    return new RelatedListener() {
      @Override
      public void notification(String method, ObjectNode params) {
        if ("notifications/progress".equals(method)) {
          Relay r = progress.get(params.path("progressToken").asText());
          if (r != null) {
            ObjectNode p = params.deepCopy();
            p.set("progressToken", r.token());
            r.to().accept(JsonRpc.notification(method, p));
          }
          return;
        }
        ctx.related().accept(JsonRpc.notification(method, params));
      }

      @Override
      public Future<JsonNode> request(String method, ObjectNode params) {
        String capability = switch (method) {
          case "sampling/createMessage" -> "sampling";
          case "elicitation/create" -> "elicitation";
          case "roots/list" -> "roots";
          default -> null;
        };
        McpSession s = ctx.session();
        if (capability == null || s == null || s.clientCapabilities().path(capability).isMissingNode()) {
          return Future.failedFuture(new McpError(McpError.METHOD_NOT_FOUND,
              "The client does not support " + method));
        }
        return s.askClient(method, params, ctx.related());
      }
    };
  }

  /** An upstream's notification: relays progress, propagates list changes and resource updates. */
  public void upstreamNotification(Upstream u, String method, ObjectNode params) {
    switch (method) {
      case "notifications/progress" -> {
        Relay r = progress.get(params.path("progressToken").asText());
        if (r != null) {
          ObjectNode p = params.deepCopy();
          p.set("progressToken", r.token());
          r.to().accept(JsonRpc.notification(method, p));
        }
      }
      case "notifications/tools/list_changed" -> changed(u, ItemKind.TOOLS);
      case "notifications/prompts/list_changed" -> changed(u, ItemKind.PROMPTS);
      case "notifications/resources/list_changed" -> {
        u.invalidate(ItemKind.TEMPLATES);
        changed(u, ItemKind.RESOURCES);
      }
      case "notifications/resources/updated" -> {
        String uri = params.path("uri").asText();
        for (McpSession s : sessions.all()) {
          if (s.subscriptions().containsKey(uri)) {
            s.notifyClient(JsonRpc.notification(method, params));
          }
        }
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
  }
}
