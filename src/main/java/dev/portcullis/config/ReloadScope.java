package dev.portcullis.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What of a new configuration a running gateway can take without a restart. Sections that are
 * bound at start-up (the listener, the store, the admin key, the audit trail, telemetry, metrics,
 * identity, most of {@code mcp}) keep their running values and every difference is reported;
 * changes that would otherwise leave a rule unenforced refuse the whole reload. Models, prices,
 * persona limits and upstream credentials (but per-user OAuth) apply.
 *
 * @param applied the configuration to put in force: the new one with the start-up sections kept
 * @param kept one line per change that needs a restart ("server.port changed: needs a restart; kept 8080")
 * @param refused reasons the reload must not be applied at all (empty: it may)
 */
public record ReloadScope(GatewayConfig applied, List<String> kept, List<String> refused) {

  /**
   * @param running the configuration in force
   * @param next the new configuration, already valid on its own
   * @param demoRunning whether the built-in demo provider was started (it starts only at start-up)
   * @param counting whether the gateway counts requests against limits (it does with a store, or
   *     when it started with persona limits); without, it cannot take persona limits live
   */
  public static ReloadScope of(GatewayConfig running, GatewayConfig next, boolean demoRunning, boolean counting) {
    List<String> kept = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    GatewayConfig.ServerConfig a = running.server();
    GatewayConfig.ServerConfig b = next.server();
    keep(kept, "server.host", a.host(), b.host());
    keep(kept, "server.port", a.port(), b.port());
    keep(kept, "server.max_body_bytes", a.maxBodyBytes(), b.maxBodyBytes());
    keep(kept, "server.max_json_depth", a.maxJsonDepth(), b.maxJsonDepth());
    keep(kept, "server.max_response_bytes", a.maxResponseBytes(), b.maxResponseBytes());
    keep(kept, "server.access_log", a.accessLog(), b.accessLog());
    keep(kept, "server.timeouts", a.timeouts(), b.timeouts());
    keep(kept, "server.max_connections", a.maxConnections(), b.maxConnections());
    keep(kept, "server.max_connections_per_address", a.maxConnectionsPerAddress(), b.maxConnectionsPerAddress());
    keep(kept, "server.reload", a.reload(), b.reload());
    keep(kept, "store", running.store(), next.store());
    keep(kept, "admin", running.admin(), next.admin());
    keep(kept, "identity", running.identity(), next.identity());
    keep(kept, "audit", running.audit(), next.audit());
    keep(kept, "telemetry", running.telemetry(), next.telemetry());
    keep(kept, "metrics", running.metrics(), next.metrics());
    keep(kept, "limits", running.limits(), next.limits()); // counted from start-up
    McpConfig mcp = mcp(running.mcp(), next.mcp(), kept, refused);
    if (!counting) {
      personaLimits(next.personas(), refused);
    }
    if (!demoRunning && usesDemo(next)) {
      refused.add("models: a 'demo' deployment needs the demo provider, which starts only with the gateway;"
          + " needs a restart");
    }
    GatewayConfig applied = new GatewayConfig(running.server(), next.clients(), next.router(), next.models(),
        running.store(), running.admin(), next.pricing(), mcp, running.identity(), next.personas(),
        next.policy(), next.guard(), running.audit(), running.telemetry(), running.metrics(), next.readiness(),
        running.cluster(), running.limits());
    return new ReloadScope(applied, List.copyOf(kept), List.copyOf(refused));
  }

  /** Servers, virtual servers and tool loop bounds apply; the rest of {@code mcp} is bound at start-up. */
  private static McpConfig mcp(McpConfig a, McpConfig b, List<String> kept, List<String> refused) {
    keep(kept, "mcp.namespace_separator", a.namespaceSeparator(), b.namespaceSeparator());
    keep(kept, "mcp.allowed_origins", a.allowedOrigins(), b.allowedOrigins());
    keep(kept, "mcp.session_idle_seconds", a.sessionIdleSeconds(), b.sessionIdleSeconds());
    keep(kept, "mcp.max_sessions", a.maxSessions(), b.maxSessions());
    keep(kept, "mcp.pinning", a.pinning(), b.pinning());
    keep(kept, "mcp.pins_file", a.pinsFile(), b.pinsFile());
    if (a.servers().isEmpty() && !b.servers().isEmpty()) {
      kept.add("mcp.servers: the MCP gateway was started without servers; adding the first needs a restart;"
          + " kept none");
      return a;
    }
    // per-user OAuth serves its connect routes and keeps users' tokens from start-up; the other
    // upstream credentials are rebuilt by a reload
    TreeSet<String> keys = new TreeSet<>(a.servers().keySet());
    keys.addAll(b.servers().keySet());
    for (String k : keys) {
      var before = a.servers().get(k) == null ? null : a.servers().get(k).auth();
      var after = b.servers().get(k) == null ? null : b.servers().get(k).auth();
      if (!Objects.equals(before, after) && (perUser(before) || perUser(after))) {
        refused.add("mcp.servers." + k + ".auth: a per-user OAuth (oauth_user) credential "
            + (before == null ? "of a new server" : after == null ? "removed" : "change") + " needs a restart");
      }
    }
    return new McpConfig(b.servers(), a.namespaceSeparator(), a.allowedOrigins(), b.virtualServers(),
        a.sessionIdleSeconds(), a.maxSessions(), a.pinning(), a.pinsFile(), b.toolLoop());
  }

  private static boolean perUser(OpenApiConfig.AuthConfig auth) {
    return auth != null && "oauth_user".equals(auth.type());
  }

  /**
   * A gateway that started without a store and without persona limits counts no requests;
   * applying limits to it would leave them unenforced, so such a reload is refused instead.
   */
  private static void personaLimits(Map<String, PersonaConfig> next, List<String> refused) {
    new TreeSet<>(next.keySet()).forEach(n -> {
      PersonaConfig.Limits l = next.get(n) == null ? null : next.get(n).limits();
      if (l != null && l.any()) {
        refused.add("personas." + n + ".limits: this gateway started without a store and without persona limits,"
            + " so it counts no requests; limits need a restart");
      }
    });
  }

  private static boolean usesDemo(GatewayConfig config) {
    return config.models().values().stream().flatMap(g -> g.deployments().stream())
        .anyMatch(d -> "demo".equals(d.type()));
  }

  private static void keep(List<String> kept, String field, Object running, Object next) {
    if (!Objects.equals(running, next)) {
      kept.add(field + " changed: needs a restart; kept " + (running == null ? "none" : shown(field, running)));
    }
  }

  /** The value kept, unless it could be a secret (a store URL or password, the admin key). */
  private static String shown(String field, Object value) {
    return value instanceof Number || value instanceof Boolean || value instanceof String && field.startsWith("server.")
        ? value.toString() : "the running value";
  }
}
