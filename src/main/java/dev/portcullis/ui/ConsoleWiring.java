package dev.portcullis.ui;

import dev.portcullis.admin.KeyAdmin;
import dev.portcullis.audit.AuditModule;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.mcp.McpGateway;
import dev.portcullis.store.Store;
import java.util.List;

/** Builds the console from the configuration and the admin services it shows (part of the composition root). */
public final class ConsoleWiring {
  private ConsoleWiring() {
  }

  /**
   * The console over this store; it lets nobody in while {@code admin.key} is unset.
   *
   * @param audit the audit trail, or null when it is off
   * @param mcp the MCP gateway, or null when no MCP servers are configured
   */
  public static Console console(GatewayConfig config, Store store, KeyAdmin keys, AuditModule audit,
      McpGateway mcp) {
    return new Console(config.admin().key(), config.admin().readOnlyKeys(), Console.Settings.DEFAULT, List.of(
        new OverviewPage(store.usage(), audit), new UsagePage(store.usage(), Console.Limits.DEFAULT), new KeysPage(keys, store.keys()), new TeamsPage(keys), new McpPage(mcp), new AuditPage(audit)));
  }
}
