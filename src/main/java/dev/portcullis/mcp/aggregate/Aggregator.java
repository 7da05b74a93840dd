package dev.portcullis.mcp.aggregate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.config.McpConfig.VirtualItemConfig;
import dev.portcullis.config.McpConfig.VirtualServerConfig;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Merges the lists of every upstream into what one endpoint shows: on {@code /mcp} every item,
 * tools and prompts namespaced by server alias (deterministic order: servers in configuration
 * order, items in upstream order); on {@code /mcp/{name}} only what the virtual server selects.
 * The same merged view answers lists and routes calls, so nothing hidden can be reached.
 */
public final class Aggregator {
  private final List<Upstream> upstreams;
  private final String separator;
  private final Map<String, VirtualServerConfig> virtualServers;
  private final Map<String, Future<Merged>> merged = new ConcurrentHashMap<>();

  /** One endpoint's items of one kind, in order and by exposed key. */
  public record Merged(List<Entry> list, Map<String, Entry> byKey, List<Map.Entry<Pattern, Entry>> templates) {}

  public Aggregator(List<Upstream> upstreams, String separator, Map<String, VirtualServerConfig> virtualServers) {
    this.upstreams = List.copyOf(upstreams);
    this.separator = separator;
    this.virtualServers = virtualServers;
    for (Upstream u : upstreams) {
      u.onChanged(merged::clear);
    }
  }

  public List<Upstream> upstreams() {
    return upstreams;
  }

  public boolean hasView(String view) {
    return view.isEmpty() || virtualServers.containsKey(view);
  }

  /** The virtual servers by name, in configuration order. */
  public Map<String, VirtualServerConfig> virtualServers() {
    return java.util.Collections.unmodifiableMap(virtualServers);
  }

  public VirtualServerConfig virtualServer(String view) {
    return virtualServers.get(view);
  }

  /** Drops merged views; the next request rebuilds them from the upstream caches. */
  public void invalidate() {
    merged.clear();
  }

  public Future<Merged> view(String view, ItemKind kind) {
    String k = view + "\u0000" + kind;
    Future<Merged> f = merged.get(k);
    if (f != null) {
      return f;
    }
    Future<Merged> built = view.isEmpty() ? all(kind) : all(kind).map(a -> select(view, kind, a));
    merged.putIfAbsent(k, built);
    return built;
  }

  /**
   * The upstream whose prefix a tool or prompt name carries ({@code alias + separator}), or null:
   * says whose an unlisted name would be when its upstream never answered.
   */
  public Upstream prefixOwner(String name) {
    for (Upstream u : upstreams) {
      if (name.startsWith(u.alias() + separator)) {
        return u;
      }
    }
    return null;
  }

  public Future<Entry> find(String view, ItemKind kind, String key) {
    return view(view, kind).map(m -> m.byKey().get(key));
  }

  private Future<Merged> all(ItemKind kind) {
    List<Future<List<ObjectNode>>> lists = new ArrayList<>();
    for (Upstream u : upstreams) {
      lists.add(u.list(kind));
    }
    return Future.join(lists).transform(ar -> {
      List<Entry> out = new ArrayList<>();
      Map<String, Entry> byKey = new HashMap<>();
      for (int i = 0; i < upstreams.size(); i++) {
        Upstream u = upstreams.get(i);
        List<ObjectNode> items = lists.get(i).succeeded() ? lists.get(i).result() : List.of();
        for (ObjectNode item : items) {
          String original = item.path(kind.key).asText();
          String exposed = original;
          if (kind.named()) {
            exposed = ToolNames.namespaced(u.alias(), separator, original);
            if (byKey.containsKey(exposed)) {
              exposed = ToolNames.disambiguate(exposed, u.key(), original);
            }
          }
          if (byKey.containsKey(exposed)) {
            continue; // the same URI from two servers: the first in configuration order wins
          }
          ObjectNode def = item.deepCopy();
          if (kind.named()) {
            def.put("name", exposed);
          }
          Entry e = new Entry(exposed, u, original, def);
          out.add(e);
          byKey.put(exposed, e);
        }
      }
      return Future.succeededFuture(merged(kind, out, byKey));
    });
  }

  private Merged select(String view, ItemKind kind, Merged all) {
    VirtualServerConfig vs = virtualServers.get(view);
    List<VirtualItemConfig> rules = switch (kind) {
      case TOOLS -> vs.tools();
      case PROMPTS -> vs.prompts();
      case RESOURCES, TEMPLATES -> vs.resources();
    };
    List<Entry> out = new ArrayList<>();
    Map<String, Entry> byKey = new LinkedHashMap<>();
    for (VirtualItemConfig rule : rules) {
      Pattern p = Glob.compile(rule.match());
      List<Entry> hits = new ArrayList<>();
      for (Entry e : all.list()) {
        String key = rule.server() == null ? e.exposed() : e.original();
        if ((rule.server() == null || rule.server().equals(e.upstream().key())) && p.matcher(key).matches()) {
          hits.add(e);
        }
      }
      for (Entry e : hits) {
        String key = rule.server() == null ? e.exposed() : e.original();
        if (kind.named() && rule.rename() != null && hits.size() == 1) {
          key = rule.rename();
        }
        if (byKey.containsKey(key)) {
          continue; // an earlier rule already exposes this name
        }
        ObjectNode def = e.definition().deepCopy();
        if (kind.named()) {
          def.put("name", key);
        }
        if (rule.description() != null) {
          def.put("description", rule.description());
        }
        Entry chosen = new Entry(key, e.upstream(), e.original(), def);
        out.add(chosen);
        byKey.put(key, chosen);
      }
    }
    return merged(kind, out, byKey);
  }

  private static Merged merged(ItemKind kind, List<Entry> list, Map<String, Entry> byKey) {
    List<Map.Entry<Pattern, Entry>> templates = new ArrayList<>();
    if (kind == ItemKind.TEMPLATES) {
      for (Entry e : list) {
        templates.add(Map.entry(Glob.template(e.exposed()), e));
      }
    }
    return new Merged(List.copyOf(list), Map.copyOf(byKey), List.copyOf(templates));
  }
}
