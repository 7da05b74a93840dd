package dev.portcullis.app;

import dev.portcullis.config.GatewayConfig;
import dev.portcullis.identity.KeyDirectory;
import dev.portcullis.limits.Accountant;
import dev.portcullis.limits.BudgetLedger;
import dev.portcullis.limits.PriceLookup;
import dev.portcullis.store.Store;
import dev.portcullis.store.UsageWriter;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Virtual keys, limits, budgets and usage accounting, built from the {@code store} section of
 * the configuration: the store, the in-memory key directory and budget ledger (loaded from
 * the store), the batching usage writer and the accountant; keeps the keys fresh (periodically,
 * and when another replica changed them). Part of the composition root.
 */
final class Governance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Governance.class);

  final Store store;
  final KeyDirectory directory = new KeyDirectory();
  final BudgetLedger ledger;
  final UsageWriter writer;
  final Accountant accountant;
  private final dev.portcullis.cluster.Cluster cluster;
  private final Vertx vertx;
  private final long timer;

  /**
   * Opens the store (blocking; at start-up, before any event loop serves) and starts re-reading
   * the keys.
   *
   * @param prices the prices in force (a reload replaces them)
   * @param spend told every usage record too (the spend metrics), after the store's writer
   */
  Governance(Vertx vertx, GatewayConfig config, PriceLookup prices,
      dev.portcullis.limits.PersonaLimits personaLimits, dev.portcullis.limits.UsageSink spend,
      dev.portcullis.cluster.Cluster cluster) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.store = Store.open(config.store());
    this.ledger = new BudgetLedger(store.usage()::spent);
    try {
      reload();
      long now = System.currentTimeMillis();
      ledger.load(store.usage().currentSpend(now), now);
      this.writer = new UsageWriter(store.usage(), config.store().flushMs(), config.store().batchSize());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    UsageWriter written = writer;
    this.accountant = new Accountant(prices, ledger, r -> {
      written.record(r);
      spend.record(r);
    }, personaLimits, config.limits(), cluster.limits());
    this.timer = startRefresh(config.store().keyRefreshMs());
  }

  /** Re-reads keys and teams (changes made by the CLI or another replica). Blocking. */
  void reload() {
    directory.replace(store.keys().list(), store.keys().teams());
  }

  /**
   * Keys or teams changed here (the admin API, the console): re-reads them and tells the other
   * replicas to do the same, so a disabled key is refused everywhere within a second. Blocking.
   */
  void changed() {
    reload();
    cluster.publish(dev.portcullis.cluster.ChangeEvent.Kind.KEYS);
  }

  /**
   * Re-reads keys periodically on a worker thread, and at once when another replica changed
   * them (or Redis came back, when changes may have been missed).
   */
  private long startRefresh(long refreshMs) {
    cluster.onEvent(e -> {
      if (e.kind() == dev.portcullis.cluster.ChangeEvent.Kind.KEYS
          || e.kind() == dev.portcullis.cluster.ChangeEvent.Kind.RESYNC) {
        vertx.executeBlocking(() -> {
          reload();
          return null;
        }, false).onFailure(err -> LOG.warn("could not re-read virtual keys: {}", err.toString()));
      }
    });
    return vertx.setPeriodic(refreshMs, id -> vertx.executeBlocking(() -> {
      reload();
      return null;
    }, false).onFailure(e -> LOG.warn("could not re-read virtual keys: {}", e.toString())));
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
    writer.close();
    store.close();
  }
}
