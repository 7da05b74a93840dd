package dev.portcullis.llm;

import dev.portcullis.config.GatewayConfig;
import java.util.concurrent.TimeUnit;

/** The router's limits, resolved once from configuration. */
record RouterSettings(long maxResponseBytes, int cooldownFailures, long cooldownNanos) {
  static RouterSettings of(GatewayConfig config) {
    return new RouterSettings(config.server().maxResponseBytes(), config.router().cooldownFailures(),
        TimeUnit.SECONDS.toNanos(config.router().cooldownSeconds()));
  }
}
