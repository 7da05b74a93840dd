package dev.portcullis;

import dev.portcullis.admin.AdminApi;
import dev.portcullis.admin.KeyAdmin;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.identity.KeyDirectory;
import dev.portcullis.limits.Accountant;
import dev.portcullis.limits.BudgetLedger;
import dev.portcullis.limits.PriceTable;
import dev.portcullis.llm.ModelCatalog;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.server.KeyGate;
import dev.portcullis.store.Store;
import dev.portcullis.store.UsageWriter;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Virtual keys, limits, budgets and usage accounting, built from the {@code store} section of
 * the configuration: the store, the in-memory key directory and budget ledger (loaded from
 * the store), the batching usage writer, the accountant and the admin API. Part of the
 * composition root.
 */
final class Governance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Governance.class);

  final Store store;
  final KeyDirectory directory = new KeyDirectory();
  final BudgetLedger ledger = new BudgetLedger();
  final UsageWriter writer;
  final Accountant accountant;
  final KeyGate gate;
  final AdminApi admin;
  private final long refreshMs;
  private Vertx vertx;
  private long timer = -1;

  /**
   * Opens the store (blocking; at start-up, before any event loop serves).
   *
   * @param spend told every usage record too (the spend metrics), after the store's writer
   */
  Governance(GatewayConfig config, ModelCatalog catalog, TokenCounter tokens,
      dev.portcullis.limits.PersonaLimits personaLimits, dev.portcullis.json.JsonBodies bodies,
      dev.portcullis.limits.UsageSink spend) {
    this.store = Store.open(config.store());
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
    this.accountant = new Accountant(new PriceTable(config.pricing(), catalog), ledger, r -> {
      written.record(r);
      spend.record(r);
    }, personaLimits, config.limits());
    this.gate = new KeyGate(accountant, tokens);
    this.admin = new AdminApi(new KeyAdmin(store, this::reload, ledger), store.usage(), writer,
        config.admin().key(), bodies);
    this.refreshMs = config.store().keyRefreshMs();
  }

  /** Re-reads keys and teams (changes made by the CLI or another replica). Blocking. */
  void reload() {
    directory.replace(store.keys().list(), store.keys().teams());
  }

  /** Re-reads keys periodically on a worker thread. */
  void startRefresh(Vertx vertx) {
    this.vertx = vertx;
    timer = vertx.setPeriodic(refreshMs, id -> vertx.executeBlocking(() -> {
      reload();
      return null;
    }, false).onFailure(e -> LOG.warn("could not re-read virtual keys: {}", e.toString())));
  }

  @Override
  public void close() {
    if (vertx != null && timer >= 0) {
      vertx.cancelTimer(timer);
    }
    writer.close();
    store.close();
  }
}
