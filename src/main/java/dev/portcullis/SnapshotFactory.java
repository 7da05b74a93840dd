package dev.portcullis;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.guard.Guard;
import dev.portcullis.guard.GuardFactory;
import dev.portcullis.identity.ClientKeyAuthenticator;
import dev.portcullis.identity.KeyDirectory;
import dev.portcullis.llm.ModelCatalog;
import dev.portcullis.llm.guard.LlmGuard;
import dev.portcullis.llm.wire.ProviderAdapters;
import dev.portcullis.policy.PolicyWiring;
import dev.portcullis.policy.SessionLedger;
import dev.portcullis.server.AccessGate;
import dev.portcullis.server.Snapshot;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the reloadable parts of the gateway from one configuration, the same way at start-up and
 * on every reload (part of the composition root). Builds only: nothing here is in force until the
 * caller swaps it in.
 */
final class SnapshotFactory {
  private final Vertx vertx;
  private final ObjectMapper requestJson;
  private final ProviderAdapters adapters;
  private final String demoBase;
  private final SessionLedger sessions;

  /**
   * @param boot the start-up configuration (for what lives as long as the gateway)
   * @param demoBase the demo provider's base URL, or null when it is not running
   */
  SnapshotFactory(Vertx vertx, GatewayConfig boot, ObjectMapper requestJson, ProviderAdapters adapters,
      String demoBase) {
    this.vertx = vertx;
    this.sessions = new SessionLedger(boot.mcp().maxSessions());
    this.requestJson = requestJson;
    this.adapters = adapters;
    this.demoBase = demoBase;
  }

  ModelCatalog catalog(GatewayConfig config) {
    return new ModelCatalog(config, adapters::forType, d -> adapters.defaultBaseUrl(d, demoBase));
  }

  /**
   * @param catalog the configuration's catalogue (built by {@link #catalog})
   * @param virtualKeys the store's virtual keys, or null without a store
   */
  Snapshot build(GatewayConfig config, ModelCatalog catalog, KeyDirectory virtualKeys) throws ConfigException {
    List<Runnable> retire = new ArrayList<>();
    AccessGate access = PolicyWiring.accessGate(vertx, config, sessions, retire::add);
    Guard guard = GuardFactory.build(config.guard());
    LlmGuard llmGuard = guard == null ? null : new LlmGuard(guard, requestJson);
    return new Snapshot(config, catalog, new ClientKeyAuthenticator(config.clients().keys(), virtualKeys), access,
        guard, llmGuard, () -> retire.forEach(Runnable::run));
  }
}
