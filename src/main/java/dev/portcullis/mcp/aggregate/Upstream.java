package dev.portcullis.mcp.aggregate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.downstream.UserSessions;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.mcp.upstream.McpClient;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured upstream server: its client session and its cached lists. A list is fetched
 * (all pages) on first need and again after the upstream says it changed or re-initialized; when
 * a fetch fails, the last good list is kept so its tools stay visible and fail clearly when called.
 */
public final class Upstream {
  private static final Logger LOG = LoggerFactory.getLogger(Upstream.class);
  private static final int MAX_PAGES = 100;

  private final String key;
  private final String alias;
  private final McpClient client;
  private final Map<ItemKind, List<ObjectNode>> cache = new EnumMap<>(ItemKind.class);
  private final Map<ItemKind, Future<List<ObjectNode>>> loading = new EnumMap<>(ItemKind.class);
  private final Set<ItemKind> stale = java.util.EnumSet.noneOf(ItemKind.class);
  private Runnable changed = () -> { };
  private volatile ToolPins pins;
  private volatile UserSessions users;
  private volatile String host;
  private volatile int port;

  public Upstream(String key, String alias, McpClient client) {
    this.key = key;
    this.alias = alias;
    this.client = client;
  }

  public String key() {
    return key;
  }

  public String alias() {
    return alias;
  }

  public McpClient client() {
    return client;
  }

  /** Where a network upstream listens (for traces: server.address, server.port). */
  public void address(String host, int port) {
    this.host = host;
    this.port = port;
  }

  /** The upstream's host, or null (stdio, built-in). */
  public String host() {
    return host;
  }

  /** The upstream's port, or 0. */
  public int port() {
    return port;
  }

  /**
   * Gives this upstream one session per user (its credential is per-user): calls, reads and gets
   * then go through the caller's own session; lists still come from the shared session.
   */
  public void perUser(UserSessions u) {
    this.users = u;
  }

  /** Whether calls go through per-user sessions. */
  public boolean perUser() {
    return users != null;
  }

  public UserSessions userSessions() {
    return users;
  }

  /**
   * Sends a request on behalf of {@code caller}: on the caller's own session for a per-user
   * upstream, else on the shared one. A caller without a credential for a per-user upstream gets
   * a tool error (tools/call) or a JSON-RPC error saying why, with the link to connect at.
   */
  public Future<JsonNode> request(dev.portcullis.identity.Principal caller, String method, ObjectNode params,
      dev.portcullis.mcp.upstream.Cancellation cancel, dev.portcullis.mcp.upstream.RelatedListener listener,
      Map<String, String> headers, JsonNode clientCapabilities) {
    UserSessions u = users;
    if (u == null) {
      return client.request(method, params, cancel, listener, headers, clientCapabilities);
    }
    return u.client(caller).transform(ar -> {
      if (ar.succeeded()) {
        return ar.result().request(method, params, cancel, listener, headers, clientCapabilities);
      }
      return refused(method, ar.cause());
    });
  }

  private Future<JsonNode> refused(String method, Throwable cause) {
    if (!(cause instanceof dev.portcullis.identity.credentials.CredentialException e)) {
      return Future.failedFuture(cause);
    }
    String url = e instanceof dev.portcullis.identity.credentials.CredentialException.NotConnected nc
        ? nc.connectUrl() : null;
    LOG.atInfo().addKeyValue("upstream", key).addKeyValue("method", method)
        .addKeyValue("connected", url == null).log("MCP upstream call refused: no credential for the caller");
    if (McpMethods.TOOLS_CALL.equals(method)) {
      ObjectNode r = JsonRpc.F.objectNode();
      r.putArray("content").addObject().put("type", "text").put("text", e.getMessage());
      r.put("isError", true);
      if (url != null) {
        r.putObject("_meta").put("dev.portcullis/connect_url", url);
      }
      return Future.succeededFuture(r);
    }
    ObjectNode data = JsonRpc.F.objectNode().put("upstream", key);
    if (url != null) {
      data.put("connect_url", url);
    }
    return Future.failedFuture(new McpError(McpError.INVALID_REQUEST, e.getMessage(), data));
  }

  /** Reviews every fetched tool list against the approved tool definitions. */
  public void pinning(ToolPins p) {
    this.pins = p;
  }

  /** Called whenever a cached list is replaced (merged views must be rebuilt). */
  void onChanged(Runnable r) {
    this.changed = r;
  }

  /** The items of one kind (cached); an upstream that never answered contributes none. */
  public synchronized Future<List<ObjectNode>> list(ItemKind kind) {
    List<ObjectNode> cached = cache.get(kind);
    if (cached != null && !stale.contains(kind)) {
      return Future.succeededFuture(cached);
    }
    Future<List<ObjectNode>> inFlight = loading.get(kind);
    if (inFlight != null) {
      return inFlight;
    }
    Future<List<ObjectNode>> f = fetch(kind).transform(ar -> {
      synchronized (this) {
        loading.remove(kind);
        if (ar.succeeded()) {
          cache.put(kind, ar.result());
          stale.remove(kind);
        } else {
          LOG.atWarn().addKeyValue("upstream", key).addKeyValue("method", kind.listMethod)
              .addKeyValue("error", ar.cause().getMessage()).log("MCP upstream list failed");
        }
        List<ObjectNode> last = cache.get(kind);
        return Future.succeededFuture(last == null ? List.<ObjectNode>of() : last);
      }
    });
    if (!f.isComplete()) {
      loading.put(kind, f);
    }
    f.onSuccess(l -> changed.run());
    return f;
  }

  private Future<List<ObjectNode>> fetch(ItemKind kind) {
    return client.start().compose(v -> {
      if (client.capabilities().path(kind.capability).isMissingNode()) {
        return Future.succeededFuture(List.of());
      }
      Future<List<ObjectNode>> items = page(kind, null, new ArrayList<>(), 0);
      ToolPins p = pins;
      return kind == ItemKind.TOOLS && p != null ? items.map(l -> p.review(key, l)) : items;
    });
  }

  private Future<List<ObjectNode>> page(ItemKind kind, String cursor, List<ObjectNode> acc, int n) {
    ObjectNode params = JsonRpc.F.objectNode();
    if (cursor != null) {
      params.put("cursor", cursor);
    }
    return client.request(kind.listMethod, params).compose(result -> {
      for (JsonNode item : result.path(kind.field)) {
        if (!item.isObject() || !item.path(kind.key).isTextual()) {
          continue;
        }
        String name = item.path(kind.key).textValue();
        if (kind.named() && !ToolNames.acceptable(name)) {
          LOG.atWarn().addKeyValue("upstream", key).addKeyValue("method", kind.listMethod)
              .addKeyValue("name", JsonRpc.F.textNode(name).toString())
              .log("MCP upstream item left out: its name is empty, too long or has control or format characters");
          continue;
        }
        acc.add((ObjectNode) item);
      }
      String next = result.path("nextCursor").asText(null);
      if (next != null && !next.isEmpty() && n + 1 < MAX_PAGES) {
        return page(kind, next, acc, n + 1);
      }
      return Future.succeededFuture(List.copyOf(acc));
    });
  }

  /** How many items of a kind the last good list had (0 before the upstream ever answered). */
  public synchronized int cachedCount(ItemKind kind) {
    List<ObjectNode> cached = cache.get(kind);
    return cached == null ? 0 : cached.size();
  }

  /** Marks a list out of date (the upstream said it changed, or it re-initialized). */
  public synchronized void invalidate(ItemKind kind) {
    stale.add(kind);
  }

  public synchronized void invalidateAll() {
    stale.addAll(List.of(ItemKind.values()));
  }
}
