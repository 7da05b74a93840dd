package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

  /** Reviews every fetched tool list against the approved tool definitions. */
  void pinning(ToolPins p) {
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
        if (item.isObject() && item.path(kind.key).isTextual()) {
          acc.add((ObjectNode) item);
        }
      }
      String next = result.path("nextCursor").asText(null);
      if (next != null && !next.isEmpty() && n + 1 < MAX_PAGES) {
        return page(kind, next, acc, n + 1);
      }
      return Future.succeededFuture(List.copyOf(acc));
    });
  }

  /** Marks a list out of date (the upstream said it changed, or it re-initialized). */
  public synchronized void invalidate(ItemKind kind) {
    stale.add(kind);
  }

  public synchronized void invalidateAll() {
    stale.addAll(List.of(ItemKind.values()));
  }
}
