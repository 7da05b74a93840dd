package dev.portcullis.server;

import dev.portcullis.config.GatewayConfig;
import dev.portcullis.guard.Guard;
import dev.portcullis.identity.ClientKeyAuthenticator;
import dev.portcullis.llm.ModelCatalog;
import dev.portcullis.llm.guard.LlmGuard;

/**
 * What one configuration makes of the gateway's reloadable parts, immutable: a request reads the
 * current snapshot once, when it arrives, and keeps it to the end, so a reload never changes the
 * rules under a request or stream already running.
 *
 * @param config the configuration in force (sections that need a restart keep their start-up values)
 * @param catalog models, deployments and their router
 * @param authenticator the client keys of {@code clients.keys} (and the store's virtual keys)
 * @param access personas and policy
 * @param guard detectors and redaction, or null when none is configured
 * @param llmGuard the guard on the LLM routes, or null
 * @param mcpGovernance personas, policy, guard, limits and audit on the MCP surface, or null when
 *     there is nothing to govern there (or no MCP gateway)
 * @param retire stops what only this snapshot runs (its policy file watch) once it is replaced
 */
public record Snapshot(GatewayConfig config, ModelCatalog catalog, ClientKeyAuthenticator authenticator,
    AccessGate access, Guard guard, LlmGuard llmGuard, dev.portcullis.mcp.McpGovernance mcpGovernance,
    Runnable retire) {
  private static final String CONTEXT_KEY = "portcullis.snapshot";

  /** The snapshot a request was routed by (for steps outside the route table, such as OAuth). */
  public static Snapshot of(io.vertx.ext.web.RoutingContext ctx) {
    return ctx.get(CONTEXT_KEY);
  }

  void bind(io.vertx.ext.web.RoutingContext ctx) {
    ctx.put(CONTEXT_KEY, this);
  }
}
