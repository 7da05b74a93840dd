package dev.portcullis.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.audit.AuditWriter;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.guard.Guard;
import dev.portcullis.guard.GuardFactory;
import dev.portcullis.identity.ClientKeyAuthenticator;
import dev.portcullis.identity.KeyDirectory;
import dev.portcullis.limits.Accountant;
import dev.portcullis.limits.ToolPrices;
import dev.portcullis.llm.ModelCatalog;
import dev.portcullis.llm.guard.LlmGuard;
import dev.portcullis.mcp.McpGovernance;
import dev.portcullis.policy.Approvals;
import dev.portcullis.policy.PolicyWiring;
import dev.portcullis.policy.SessionLedger;
import dev.portcullis.server.AccessGate;
import dev.portcullis.server.Snapshot;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Builds the reloadable parts of the gateway from one configuration, the same way at start-up and
 * on every reload (part of the composition root). Builds only: nothing here is in force until the
 * caller swaps it in.
 */
final class SnapshotFactory {
  private final Vertx vertx;
  private final ObjectMapper requestJson;
  private final Function<GatewayConfig, ModelCatalog> catalogs;
  private final SessionLedger sessions;
  private final KeyDirectory virtualKeys;
  private final McpParts mcp;

  /**
   * What the MCP surface's governance is made of besides the snapshot's own policy and guard:
   * the components that live as long as the gateway.
   *
   * @param served whether the MCP gateway runs (else no snapshot governs it)
   * @param audit the audit trail, or null when it is off
   * @param accountant the limits tool calls count against, or null when none can apply
   * @param consents where approvals asked of 2026-07-28 clients wait for their retry (on any replica)
   */
  record McpParts(boolean served, AuditWriter audit, Approvals approvals, Accountant accountant,
      dev.portcullis.cluster.ExpiringValues consents) {}

  /**
   * @param boot the start-up configuration (for what lives as long as the gateway)
   * @param catalogs builds a configuration's catalogue of models
   * @param virtualKeys the store's virtual keys, or null without a store
   */
  SnapshotFactory(Vertx vertx, GatewayConfig boot, ObjectMapper requestJson,
      Function<GatewayConfig, ModelCatalog> catalogs, KeyDirectory virtualKeys, McpParts mcp) {
    this.vertx = vertx;
    this.sessions = new SessionLedger(boot.mcp().maxSessions());
    this.requestJson = requestJson;
    this.catalogs = catalogs;
    this.virtualKeys = virtualKeys;
    this.mcp = mcp;
  }

  /** The snapshot of a reloaded configuration. */
  Snapshot build(GatewayConfig config) throws ConfigException {
    return build(config, catalogs.apply(config));
  }

  /** @param catalog the configuration's catalogue */
  Snapshot build(GatewayConfig config, ModelCatalog catalog) throws ConfigException {
    List<Runnable> retire = new ArrayList<>();
    AccessGate access = PolicyWiring.accessGate(vertx, config, sessions, retire::add);
    Guard guard = GuardFactory.build(config.guard());
    LlmGuard llmGuard = guard == null ? null : new LlmGuard(guard, requestJson);
    return new Snapshot(config, catalog, new ClientKeyAuthenticator(config.clients().keys(), virtualKeys), access,
        guard, llmGuard, mcpGovernance(config, access, guard), () -> retire.forEach(Runnable::run));
  }

  /**
   * The same personas, policy, guard and audit trail on the MCP surface as on the LLM routes; tool
   * calls count against the same limits and budgets as model calls, at the servers' prices.
   */
  private McpGovernance mcpGovernance(GatewayConfig config, AccessGate access, Guard guard) {
    if (!mcp.served()) {
      return null;
    }
    return McpGovernance.of(access.policy(),
        !config.personas().isEmpty() || config.policy().file() != null, guard, mcp.audit(), mcp.approvals(),
        mcp.accountant(), new ToolPrices(config.mcp().servers()), vertx, mcp.consents());
  }
}
