package dev.portcullis.policy;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.identity.PersonaDirectory;
import dev.portcullis.server.AccessGate;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds personas and the policy engine from configuration (part of the composition root). */
public final class PolicyWiring {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyWiring.class);

  private PolicyWiring() {}

  /**
   * The access gate; with a policy file, also starts re-reading it when it changes (a broken
   * file is logged and rejected; the rules in force stay). Fails when the file is broken at start.
   *
   * @param ledger what session-aware rules remember of each MCP session; one for the gateway's
   *     lifetime, so a configuration reload does not make rules forget what a session did
   * @param onRetire receives what stops that re-reading, for when a configuration reload replaces the gate
   */
  public static AccessGate accessGate(Vertx vertx, GatewayConfig config, SessionLedger ledger,
      java.util.function.Consumer<Runnable> onRetire) throws ConfigException {
    PolicyEngine engine;
    if (config.policy().file() == null) {
      engine = new PolicyEngine(ledger);
    } else {
      try {
        engine = new PolicyEngine(Path.of(config.policy().file()), ledger);
      } catch (PolicyEngine.PolicyException e) {
        throw new ConfigException(config.policy().file(), List.of(e.getMessage()));
      }
      PolicyEngine watched = engine;
      long timer = vertx.setPeriodic(config.policy().reloadMs(),
          t -> vertx.executeBlocking(watched::reloadIfChanged, false)
              .onFailure(e -> LOG.warn("policy reload failed: {}", e.toString())));
      onRetire.accept(() -> vertx.cancelTimer(timer));
    }
    return new AccessGate(new PersonaDirectory(config.personas()), engine, config.policy().personaHeader());
  }
}
