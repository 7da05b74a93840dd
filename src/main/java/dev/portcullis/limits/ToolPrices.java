package dev.portcullis.limits;

import dev.portcullis.config.McpServerConfig;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one MCP tool call costs, from {@code mcp.servers.NAME.cost_usd} and
 * {@code tool_cost_usd}: the first per-tool entry whose name or glob matches the server's own
 * tool name, else the server's price, else nothing. In nano-dollars, like every budget.
 */
public final class ToolPrices {
  private record ToolPrice(NameGlob glob, long nanos) {}

  private record ServerPrices(long nanos, List<ToolPrice> tools) {}

  private final Map<String, ServerPrices> servers = new HashMap<>();

  public ToolPrices(Map<String, McpServerConfig> config) {
    config.forEach((key, s) -> {
      if (s == null) {
        return;
      }
      List<ToolPrice> tools = new ArrayList<>();
      s.toolCostUsd().forEach((tool, usd) -> tools.add(new ToolPrice(new NameGlob(tool), nanos(usd))));
      if (s.costUsd() != null || !tools.isEmpty()) {
        servers.put(key, new ServerPrices(nanos(s.costUsd()), tools));
      }
    });
  }

  /** The price of one call of {@code tool} (the server's own name) on server {@code server}, in nano-dollars. */
  public long nanos(String server, String tool) {
    ServerPrices s = servers.get(server);
    if (s == null) {
      return 0;
    }
    for (ToolPrice t : s.tools()) {
      if (t.glob().matches(tool)) {
        return t.nanos();
      }
    }
    return s.nanos();
  }

  /** US dollars (validated: 0 to a million) in nano-dollars, rounded down. */
  private static long nanos(Double usd) {
    return usd == null ? 0 : BigDecimal.valueOf(usd).movePointRight(9).setScale(0, RoundingMode.DOWN).longValueExact();
  }
}
