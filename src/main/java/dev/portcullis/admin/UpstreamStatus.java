package dev.portcullis.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.config.McpServerConfig;
import dev.portcullis.config.ReadinessConfig;
import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.ModelCatalog;
import dev.portcullis.llm.ModelGroup;
import dev.portcullis.mcp.aggregate.ItemKind;
import dev.portcullis.mcp.aggregate.Upstream;
import dev.portcullis.mcp.upstream.McpClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The live state of every upstream, as the gateway has learnt it from traffic and connections:
 * each LLM deployment (cooldown, failures, last error, latency) and each MCP upstream (connected,
 * protocol era, last error, tools), and which of those the readiness policy requires but are down.
 * Read by {@code GET /admin/status} and {@code GET /readyz}; never on the request path.
 */
public final class UpstreamStatus {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  /** The stateless protocol revision: upstreams speaking it have no session. */
  private static final String STATELESS_ERA = "2026-07-28";

  // suppliers: a configuration reload replaces the catalogue, the MCP upstreams and the policy
  private final Supplier<ModelCatalog> catalogs;
  private final Supplier<List<Upstream>> upstreams;
  private final Supplier<Map<String, McpServerConfig>> mcpConfigs;
  private final Supplier<ReadinessConfig> readinessConfigs;

  /** @param upstreams the MCP upstreams in service (empty without MCP servers) */
  public UpstreamStatus(Supplier<ModelCatalog> catalogs, Supplier<List<Upstream>> upstreams,
      Supplier<Map<String, McpServerConfig>> mcpConfigs, Supplier<ReadinessConfig> readinessConfigs) {
    this.catalogs = catalogs;
    this.upstreams = upstreams;
    this.mcpConfigs = mcpConfigs;
    this.readinessConfigs = readinessConfigs;
  }

  /** What the readiness policy requires and is not healthy now, in configuration order (empty: ready). */
  public List<String> missing() {
    ReadinessConfig readiness = readinessConfigs.get();
    ModelCatalog catalog = catalogs.get();
    List<Upstream> mcp = upstreams.get();
    long now = System.nanoTime();
    List<String> missing = new ArrayList<>();
    for (String name : readiness.requireUpstreams()) {
      if (name.startsWith(ReadinessConfig.MCP_PREFIX)) {
        String key = name.substring(ReadinessConfig.MCP_PREFIX.length());
        if (mcp.stream().noneMatch(u -> u.key().equals(key) && connected(u))) {
          missing.add(name);
        }
      } else if (!deployments(name).stream().allMatch(d -> d.healthy(now))) {
        missing.add(name);
      }
    }
    for (String model : readiness.requireModels()) {
      List<ModelGroup> chain = catalog.chain(model);
      if (chain == null || chain.get(0).deployments().stream().noneMatch(d -> d.healthy(now))) {
        missing.add("model:" + model);
      }
    }
    return missing;
  }

  /** The deployments a readiness name means: by name in any group, or MODEL/NAME. */
  private List<Deployment> deployments(String name) {
    List<Deployment> out = new ArrayList<>();
    for (ModelGroup g : catalogs.get().groups()) {
      for (Deployment d : g.deployments()) {
        if (name.equals(d.name()) || name.equals(g.name() + "/" + d.name())) {
          out.add(d);
        }
      }
    }
    return out;
  }

  private static boolean connected(Upstream u) {
    return u.client().state() == McpClient.State.READY;
  }

  /** The document {@code GET /admin/status} answers. */
  public ObjectNode document() {
    ModelCatalog catalog = catalogs.get();
    List<Upstream> mcp = upstreams.get();
    Map<String, McpServerConfig> mcpConfig = mcpConfigs.get();
    long now = System.nanoTime();
    ObjectNode doc = F.objectNode();
    List<String> missing = missing();
    doc.put("ready", missing.isEmpty());
    missing.forEach(doc.putArray("missing")::add);
    ArrayNode deployments = doc.putArray("deployments");
    for (ModelGroup g : catalog.groups()) {
      for (Deployment d : g.deployments()) {
        ObjectNode o = deployments.addObject().put("model", g.name()).put("name", d.name())
            .put("provider", d.provider()).put("healthy", d.healthy(now));
        long until = d.coolingDownUntilMillis(now);
        if (until > 0) {
          o.put("cooling_down_until", Instant.ofEpochMilli(until).toString());
        } else {
          o.putNull("cooling_down_until");
        }
        o.put("consecutive_failures", d.consecutiveFailures()).put("in_flight", d.inFlight());
        Deployment.LastError e = d.lastError();
        if (e == null) {
          o.putNull("last_error");
        } else {
          o.putObject("last_error").put("time", Instant.ofEpochMilli(e.timeMillis()).toString()).put("code", e.code());
        }
        ObjectNode latency = o.putObject("latency_ms");
        number(latency, "p50", d.latency().p50Ms());
        number(latency, "last", d.latency().lastMs());
      }
    }
    ArrayNode upstreams = doc.putArray("mcp_upstreams");
    for (Upstream u : mcp) {
      McpClient c = u.client();
      McpServerConfig cfg = mcpConfig.get(u.key());
      boolean up = connected(u);
      ObjectNode o = upstreams.addObject().put("name", u.key()).put("transport", cfg == null ? null : cfg.type())
          .put("connected", up).put("state", c.state().name().toLowerCase());
      String version = up ? c.protocolVersion() : null;
      o.put("protocol_version", version);
      o.put("era", version == null ? null : c.modern() || STATELESS_ERA.equals(version) ? "stateless" : "session");
      o.put("last_error", up ? null : c.lastError());
      o.put("tools", u.cachedCount(ItemKind.TOOLS));
    }
    return doc;
  }

  private static void number(ObjectNode o, String field, double value) {
    if (value < 0) {
      o.putNull(field);
    } else {
      o.put(field, Math.round(value * 1000) / 1000.0);
    }
  }
}
