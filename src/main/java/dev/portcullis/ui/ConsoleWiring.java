package dev.portcullis.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.admin.KeyAdmin;
import dev.portcullis.admin.UpstreamStatus;
import dev.portcullis.audit.AuditModule;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.mcp.McpGateway;
import dev.portcullis.policy.PolicyEngine;
import dev.portcullis.store.Store;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** Builds the console from the configuration and the admin services it shows (part of the composition root). */
public final class ConsoleWiring {
  private ConsoleWiring() {
  }

  /**
   * What the console shows of the running gateway, read when a page is asked for (a reload
   * replaces the configuration and the policy).
   *
   * @param config the configuration in force
   * @param policy the policy engine in force
   * @param lastReload the outcome of the last reload as {@code GET /admin/reload} shows it, or null
   * @param status the upstreams' live state
   */
  public record Live(Supplier<GatewayConfig> config, Supplier<PolicyEngine> policy, Supplier<JsonNode> lastReload,
      UpstreamStatus status) {}

  /**
   * The console over this store; it lets nobody in while {@code admin.key} is unset.
   *
   * @param audit the audit trail, or null when it is off
   * @param mcp the MCP gateway, or null when no MCP servers are configured
   */
  public static Console console(GatewayConfig config, Store store, KeyAdmin keys, AuditModule audit,
      McpGateway mcp, Live live) {
    GatewayConfig.ConsoleConfig c = config.admin().console();
    Console.Settings settings = new Console.Settings(Duration.ofSeconds(c.sessionIdleSeconds()),
        Duration.ofSeconds(c.sessionMaxSeconds()), c.maxSessions(), c.requestsPerMinute());
    Console.Limits limits = new Console.Limits(c.pageRows(), c.csvRows(), c.maxRangeDays());
    return new Console(config.admin().key(), config.admin().readOnlyKeys(), settings, List.of(
        new OverviewPage(store.usage(), audit), new UsagePage(store.usage(), limits),
        new KeysPage(keys, store.keys()), new TeamsPage(keys), new McpPage(mcp, live.status()), new AuditPage(audit),
        new ConfigPage(new ConfigPage.Sources(live.config(), live.policy(), live.lastReload()))));
  }
}
