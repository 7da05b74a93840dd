package dev.portcullis.config;

import dev.portcullis.config.McpConfig.VirtualItemConfig;
import dev.portcullis.config.McpConfig.VirtualServerConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks the {@code mcp:} section; each problem is "field: why". */
final class McpConfigValidator {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern SEPARATOR = Pattern.compile("[A-Za-z0-9_.\\-/]{1,8}");

  private McpConfigValidator() {}

  static void validate(McpConfig m, List<String> problems) {
    if (!SEPARATOR.matcher(m.namespaceSeparator()).matches()) {
      problems.add("mcp.namespace_separator: must be 1 to 8 of the characters A-Z a-z 0-9 _ . - /, got '"
          + m.namespaceSeparator() + "'");
    }
    for (int i = 0; i < m.allowedOrigins().size(); i++) {
      String o = m.allowedOrigins().get(i);
      if (o == null || o.isBlank()) {
        problems.add("mcp.allowed_origins[" + i + "]: must not be empty");
      }
    }
    if (m.sessionIdleSeconds() <= 0) {
      problems.add("mcp.session_idle_seconds: must be positive, got " + m.sessionIdleSeconds());
    }
    if (m.maxSessions() <= 0) {
      problems.add("mcp.max_sessions: must be positive, got " + m.maxSessions());
    }
    if (m.toolLoop().maxIterations() <= 0) {
      problems.add("mcp.tool_loop.max_iterations: must be positive, got " + m.toolLoop().maxIterations());
    }
    if (m.toolLoop().maxToolCalls() <= 0) {
      problems.add("mcp.tool_loop.max_tool_calls: must be positive, got " + m.toolLoop().maxToolCalls());
    }
    if (m.toolLoop().maxWallMs() <= 0) {
      problems.add("mcp.tool_loop.max_wall_ms: must be positive, got " + m.toolLoop().maxWallMs());
    }
    if (!List.of("withhold", "flag", "off").contains(m.pinning().toLowerCase(java.util.Locale.ROOT))) {
      problems.add("mcp.pinning: must be withhold, flag or off, got '" + m.pinning() + "'");
    }
    Map<String, String> aliases = new HashMap<>();
    for (Map.Entry<String, McpServerConfig> e : m.servers().entrySet()) {
      String f = "mcp.servers." + e.getKey();
      if (!NAME.matcher(e.getKey()).matches()) {
        problems.add(f + ": server names may use only A-Z a-z 0-9 _ . - (at most 64)");
      }
      McpServerConfig s = e.getValue();
      if (s == null) {
        problems.add(f + ": must be a mapping with a type");
        continue;
      }
      server(f, s, problems);
      String alias = s.alias() == null ? e.getKey() : s.alias();
      if (s.alias() != null && !NAME.matcher(alias).matches()) {
        problems.add(f + ".alias: may use only A-Z a-z 0-9 _ . - (at most 64), got '" + alias + "'");
      }
      String other = aliases.putIfAbsent(alias, e.getKey());
      if (other != null) {
        problems.add(f + ".alias: '" + alias + "' is already the alias of mcp.servers." + other);
      }
    }
    for (Map.Entry<String, VirtualServerConfig> e : m.virtualServers().entrySet()) {
      String f = "mcp.virtual_servers." + e.getKey();
      if (!NAME.matcher(e.getKey()).matches()) {
        problems.add(f + ": virtual server names may use only A-Z a-z 0-9 _ . - (at most 64)");
      }
      VirtualServerConfig v = e.getValue();
      if (v == null) {
        problems.add(f + ": must be a mapping with tools, resources and/or prompts");
        continue;
      }
      items(f + ".tools", v.tools(), m, problems);
      items(f + ".resources", v.resources(), m, problems);
      items(f + ".prompts", v.prompts(), m, problems);
    }
  }

  /** The most one call may cost: keeps prices clear of NaN, infinity and overflow in nano-dollars. */
  static final double MAX_CALL_USD = 1_000_000;

  /** A price per call: absent, or a number of US dollars from 0 to {@link #MAX_CALL_USD}. */
  private static void price(String f, Double usd, List<String> problems) {
    if (usd != null && !(usd >= 0 && usd <= MAX_CALL_USD)) { // NaN too
      problems.add(f + ": must be between 0 and " + (long) MAX_CALL_USD + " (US dollars per call), got " + usd);
    }
  }

  /** What every type shares; each type checks its own fields ({@link McpServerConfig#validate}). */
  private static void server(String f, McpServerConfig s, List<String> problems) {
    price(f + ".cost_usd", s.costUsd(), problems);
    s.toolCostUsd().forEach((tool, usd) -> {
      if (tool == null || tool.isBlank()) {
        problems.add(f + ".tool_cost_usd: tool names must not be empty");
      }
      price(f + ".tool_cost_usd." + tool, usd, problems);
    });
    if (s.timeoutMs() <= 0) {
      problems.add(f + ".timeout_ms: must be positive, got " + s.timeoutMs());
    }
    s.validate(f, problems);
  }

  private static void items(String f, List<VirtualItemConfig> items, McpConfig m, List<String> problems) {
    for (int i = 0; i < items.size(); i++) {
      String fi = f + "[" + i + "]";
      VirtualItemConfig it = items.get(i);
      if (it == null || it.match() == null || it.match().isBlank()) {
        problems.add(fi + ".match: required (a name or glob)");
        continue;
      }
      if (it.server() != null && !m.servers().containsKey(it.server())) {
        problems.add(fi + ".server: no MCP server named '" + it.server() + "'");
      }
      if (it.rename() != null && !NAME.matcher(it.rename()).matches()) {
        problems.add(fi + ".rename: may use only A-Z a-z 0-9 _ . - (at most 64)");
      }
    }
  }
}
