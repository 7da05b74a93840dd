package dev.portcullis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.json.JsonBodies;
import dev.portcullis.llm.CallObserver;
import dev.portcullis.llm.ModelCatalog;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.demo.DemoProvider;
import dev.portcullis.llm.wire.ProviderAdapters;
import dev.portcullis.server.AccessLog;
import dev.portcullis.server.GatewayVerticle;
import dev.portcullis.server.Snapshot;
import dev.portcullis.telemetry.GatewayMetrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The composition root: builds every component once, from configuration, and starts the
 * listeners. Nothing else constructs shared components.
 */
public final class Gateway implements AutoCloseable {
  private final Vertx vertx;
  private final DemoProvider demo;
  private final GatewayMetrics metrics;
  private final int port;
  private final Governance governance;
  private dev.portcullis.mcp.McpGateway mcp;
  private dev.portcullis.audit.AuditModule audit;
  private dev.portcullis.telemetry.Telemetry telemetry;
  private ConfigReloader reloader;
  private dev.portcullis.cluster.Cluster cluster;
  private dev.portcullis.config.ConfigWatcher watcher;

  private Gateway(Vertx vertx, DemoProvider demo, GatewayMetrics metrics, int port, Governance governance) {
    this.governance = governance;
    this.vertx = vertx;
    this.demo = demo;
    this.metrics = metrics;
    this.port = port;
  }

  /**
   * Starts the gateway and waits until it listens.
   *
   * @param port the port to listen on (0 for any free port); overrides the config's
   * @param eventLoops how many event loops serve requests (usually the number of cores)
   */
  public static Gateway start(GatewayConfig config, int port, int eventLoops) throws Exception {
    return start(null, config, port, eventLoops);
  }

  /**
   * As above, from the configuration file {@code file} (already loaded as {@code config}), which
   * {@link #reloader()} reloads on demand and, with {@code server.reload.watch}, whenever it changes.
   *
   * @param file the configuration file, or null: no reloading
   */
  public static Gateway start(java.nio.file.Path file, GatewayConfig config, int port, int eventLoops)
      throws Exception {
    return start(file, config, port, eventLoops, new TokenCounter());
  }

  /**
   * As above, counting tokens with {@code tokens}, whose vocabularies the gateway starts reading
   * once it listens.
   */
  public static Gateway start(java.nio.file.Path file, GatewayConfig config, int port, int eventLoops,
      TokenCounter tokens) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setPreferNativeTransport(true));
    Governance governance = null;
    dev.portcullis.cluster.Cluster cluster = null;
    dev.portcullis.audit.AuditModule auditing = null;
    dev.portcullis.mcp.McpGateway mcp = null;
    dev.portcullis.telemetry.Telemetry telemetry = null;
    dev.portcullis.config.ConfigWatcher watcher = null;
    try {
      ObjectMapper requestJson = new ObjectMapper(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxNestingDepth(config.server().maxJsonDepth())
              .build())
          .build());
      // the one parser of client request bodies: every surface, parsed once at the edge
      JsonBodies bodies = new JsonBodies(config.server().maxJsonDepth());
      DemoProvider demo = null;
      if (usesDemo(config)) {
        demo = await(new DemoProvider(tokens).start(vertx, "127.0.0.1", 0));
      }
      String demoBase = demo == null ? null : "http://127.0.0.1:" + demo.port() + "/v1";
      ProviderAdapters adapters = new ProviderAdapters(requestJson, tokens);
      SnapshotFactory snapshots = new SnapshotFactory(vertx, config, requestJson, adapters, demoBase);
      ModelCatalog catalog = snapshots.catalog(config);
      GatewayMetrics metrics = new GatewayMetrics();
      // shared state with the other replicas (Redis), or none: one replica
      dev.portcullis.cluster.Cluster shared = config.cluster().enabled()
          ? dev.portcullis.cluster.RedisCluster.start(vertx, config.cluster(), metrics,
              config.mcp().sessionIdleSeconds() * 1000L)
          : dev.portcullis.cluster.Cluster.single();
      cluster = shared;
      AccessLog accessLog = new AccessLog(config.server().accessLog(), metrics);
      CallObserver observer = s -> metrics.request(s.deployment() == null
          ? new GatewayMetrics.Labels(s.model(), "none", "none") : s.deployment().labels(), s.status(),
          s.durationNanos(), s.usage().promptTokens(), s.usage().completionTokens());
      dev.portcullis.limits.PersonaLimits personaLimits = new dev.portcullis.limits.PersonaLimits(config.personas());
      dev.portcullis.limits.CurrentPrices prices = new dev.portcullis.limits.CurrentPrices(
          new dev.portcullis.limits.PriceTable(config.pricing(), catalog));
      // the snapshot in force; set once built below (the budget gauges read it at each scrape)
      AtomicReference<Snapshot> current = new AtomicReference<>();
      dev.portcullis.limits.UsageSink spend = r -> {
        if (r.costNanos() > 0) {
          metrics.spent(r.keyId() == null ? "none" : r.keyId(), r.teamId() == null ? "none" : r.teamId(), r.model(),
              r.costNanos() / 1e9);
        }
      };
      Governance gov = config.store() == null ? null
          : new Governance(config, prices, tokens, personaLimits, bodies, spend, shared);
      governance = gov;
      // persona, user and tool limits without a store: enforced in memory (budgets then restart from zero)
      dev.portcullis.limits.Accountant accountant = gov != null ? gov.accountant
          : config.personas().values().stream().anyMatch(p -> p.limits() != null && p.limits().any())
              || config.limits().any()
              ? new dev.portcullis.limits.Accountant(prices, new dev.portcullis.limits.BudgetLedger(), spend,
                  personaLimits, config.limits(), shared.limits())
              : null;
      if (accountant != null) {
        metrics.budgets(new dev.portcullis.limits.BudgetGauges(gov == null ? null : gov.directory,
            accountant.ledger(), () -> current.get().config().personas())::remaining);
      }
      if (gov != null) {
        gov.startRefresh(vertx);
      }
      telemetry = dev.portcullis.telemetry.Telemetry.start(config.telemetry(),
          gov != null && config.audit().enabled() && config.audit().otelLogs());
      dev.portcullis.telemetry.Telemetry otel = telemetry;
      dev.portcullis.audit.AuditModule audit = gov == null || !config.audit().enabled() ? null
          : dev.portcullis.audit.AuditModule.start(config.audit(), config.store().url(), gov.store.dataSource(),
              gov.store.sqlite(), telemetry.auditLogs(), metrics::auditSinkDropped);
      auditing = audit;
      if (audit != null) {
        gov.admin.extend(new dev.portcullis.admin.AuditAdmin(audit)::mount);
      }
      CallObserver observed = observer;
      // calls policy holds for an administrator, model and tool calls alike: one queue, one admin API;
      // with a store they survive restarts and are shared by replicas
      dev.portcullis.policy.Approvals approvals = new dev.portcullis.policy.Approvals(60 * 60_000L, 60 * 60_000L);
      if (gov != null) {
        approvals.persist(new dev.portcullis.store.ApprovalRepository(gov.store.dataSource()));
      }
      AtomicBoolean ready = new AtomicBoolean();
      // upstream credentials: the gateway's own secrets, client credentials, per-user connections,
      // token exchange (the client's gateway credential never goes upstream)
      dev.portcullis.identity.credentials.Credentials credentials = dev.portcullis.identity.credentials.Credentials
          .create(vertx, config, gov == null ? null : new dev.portcullis.store.ConnectionRepository(
              gov.store.dataSource()), gov == null ? null : new dev.portcullis.store.OAuthRepository(
              gov.store.dataSource()));
      if (!config.mcp().servers().isEmpty()) {
        mcp = dev.portcullis.mcp.McpGateway.start(vertx, config.mcp(), requestJson, bodies,
            config.server().maxResponseBytes(),
            gov == null ? null : new dev.portcullis.store.ToolPinRepository(gov.store.dataSource()), credentials,
            approvals, shared, telemetry.mcp(), metrics); // tracing null when off: nothing traced
      }
      dev.portcullis.mcp.McpGateway mcpGateway = mcp;
      dev.portcullis.oauth.AuthorizationServer oauth = dev.portcullis.oauth.AuthorizationServer.create(
          vertx, config.identity(), gov == null ? null : new dev.portcullis.store.OAuthRepository(gov.store.dataSource()),
          bodies);
      dev.portcullis.identity.ResourceServer identity = dev.portcullis.identity.IdentityWiring.resourceServer(vertx, config,
          oauth);
      current.set(snapshots.build(config, catalog, gov == null ? null : gov.directory));
      if (identity != null) { // an OAuth caller is bound to a persona by its request's snapshot
        identity.afterAuthentication(ctx -> Snapshot.of(ctx).access().bind(ctx));
      }
      java.util.function.Consumer<Snapshot> governMcp = s -> { };
      if (mcp != null) { // the same personas, policy, guard and audit trail on the MCP surface
        dev.portcullis.mcp.McpGateway m = mcp;
        governMcp = s -> {
          // tool calls count against the same limits and budgets as model calls, at the servers' prices
          m.govern(s.access().policy(),
              !s.config().personas().isEmpty() || s.config().policy().file() != null, s.guard(),
              audit == null ? null : audit.writer(), accountant,
              new dev.portcullis.limits.ToolPrices(s.config().mcp().servers()));
        };
        governMcp.accept(current.get());
      }
      // what a reload puts in force outside the snapshot: prices and persona limits for calls
      // admitted from then on, upstream credentials for upstreams (re)started from then on
      java.util.function.Consumer<Snapshot> applyLive = s -> {
        credentials.update(s.config().mcp().servers());
        personaLimits.apply(s.config().personas());
        prices.replace(new dev.portcullis.limits.PriceTable(s.config().pricing(), s.catalog()));
      };
      ConfigReloader reloads = file == null ? null : new ConfigReloader(file, new dev.portcullis.config.ConfigLoader(),
          current, next -> snapshots.build(next, snapshots.catalog(next), gov == null ? null : gov.directory), mcp,
          governMcp, applyLive, metrics, demo != null, accountant != null, shared);
      if (reloads != null) { // a reload on another replica: this one reloads its own file
        shared.onEvent(e -> {
          if (e.kind() == dev.portcullis.cluster.ChangeEvent.Kind.CONFIG) {
            vertx.executeBlocking(() -> reloads.reload(ConfigReloader.CLUSTER), false);
          }
        });
      }

      // Instances of one deployment share the listening port, also a random one (port 0), and so
      // the connection caps.
      dev.portcullis.server.ConnectionLimits connectionLimits = new dev.portcullis.server.ConnectionLimits(
          config.server().maxConnections(), config.server().maxConnectionsPerAddress());
      metrics.openConnections(connectionLimits::open);
      dev.portcullis.mcp.McpGateway mcpNow = mcp;
      dev.portcullis.admin.UpstreamStatus status = new dev.portcullis.admin.UpstreamStatus(() -> current.get().catalog(),
          () -> mcpNow == null ? java.util.List.of() : mcpNow.upstreams(), () -> current.get().config().mcp().servers(),
          () -> current.get().config().readiness());
      dev.portcullis.ui.Console console = gov == null ? null : dev.portcullis.ui.ConsoleWiring.console(vertx,
          config, gov.store, new dev.portcullis.admin.KeyAdmin(gov.store, gov::changed, gov.ledger), audit, mcpGateway,
          new dev.portcullis.ui.ConsoleWiring.Live(() -> current.get().config(), () -> current.get().access().policy(),
              () -> reloads == null || reloads.last() == null ? null : reloads.last().toJson(), status), shared);
      dev.portcullis.llm.responses.ResponseArchive responses = new dev.portcullis.llm.responses.ResponseArchive(vertx,
          gov == null ? null : new dev.portcullis.store.ResponseRepository(gov.store.dataSource(), requestJson),
          java.util.concurrent.TimeUnit.DAYS.toMillis(config.store() == null ? 0 : config.store().responsesRetentionDays()));
      AtomicReference<GatewayVerticle> any = new AtomicReference<>();
      await(vertx.deployVerticle(() -> {
        GatewayVerticle v = new GatewayVerticle(current::get, port, requestJson, bodies, metrics, observed,
            ready::get, accountant, tokens, approvals, gov == null ? null : gov.admin).withMcp(mcpGateway)
            .withIdentity(identity).withOAuth(oauth)
            .withAdminRoutes(reloads == null ? r -> { } : new dev.portcullis.admin.ReloadAdmin(vertx,
                () -> reloads.last() == null ? null : reloads.last().toJson(), () -> reloads.reload("admin").toJson(),
                config.admin().key())::mount)
            .withConnections(credentials.connections()).withConnectionLimits(connectionLimits).withAccessLog(accessLog)
            .withStatus(status).withCluster(shared).withResponses(responses)
            .withAudit(audit == null ? null : audit.writer()).withTracing(otel.llm()).withConsole(console);
        any.set(v);
        return v;
      }, new DeploymentOptions().setInstances(eventLoops)));
      int bound = any.get().actualPort();
      String base;
      if (identity != null) {
        identity.bound(config.server().host(), bound);
        base = identity.base();
      } else {
        String h = config.server().host().equals("0.0.0.0") || config.server().host().equals("::") ? "127.0.0.1"
            : config.server().host();
        base = "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + bound;
      }
      credentials.bound(base);
      if (console != null) { // the public URL when identity.resource gives it, else the listener's
        console.bound(config.identity().resource() != null ? config.identity().resource() : base);
      }
      if (reloads != null && config.server().reload().watch()) {
        watcher = dev.portcullis.config.ConfigWatcher.start(file, config.server().reload().debounceMs(),
            () -> reloads.reloadIfChanged("watch"));
      }
      ready.set(true);
      // Read once listening rather than before: on two cores reading them took a quarter of
      // start-up. LLM requests that come in meanwhile wait for them (VocabularyGate).
      tokens.load();
      Gateway started = new Gateway(vertx, demo, metrics, bound, gov);
      started.cluster = cluster;
      started.mcp = mcp;
      started.audit = auditing;
      started.telemetry = telemetry;
      started.reloader = reloads;
      started.watcher = watcher;
      return started;
    } catch (Exception e) {
      if (watcher != null) {
        watcher.close();
      }
      if (mcp != null) {
        mcp.close();
      }
      if (cluster != null) {
        cluster.close();
      }
      vertx.close();
      if (auditing != null) {
        auditing.close();
      }
      if (telemetry != null) {
        telemetry.close();
      }
      if (governance != null) {
        governance.close();
      }
      throw e;
    }
  }

  private static boolean usesDemo(GatewayConfig config) {
    return config.models().values().stream()
        .flatMap(g -> g.deployments().stream())
        .anyMatch(d -> "demo".equals(d.type()));
  }

  public int port() {
    return port;
  }

  /** The MCP gateway, or null when no MCP servers are configured. */
  public dev.portcullis.mcp.McpGateway mcp() {
    return mcp;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** Reloads the configuration file (SIGHUP, the admin API, tests); null when started without a file. */
  public ConfigReloader reloader() {
    return reloader;
  }

  @Override
  public void close() throws Exception {
    if (watcher != null) {
      watcher.close(); // first: no reload starts while the gateway stops
    }
    if (demo != null) {
      await(demo.close());
    }
    if (mcp != null) {
      mcp.close(); // ends this replica's copies of sessions (their shared records stay), stops stdio servers
    }
    if (cluster != null) {
      cluster.close();
    }
    await(vertx.close());
    if (audit != null) {
      audit.close(); // after the listeners, before the store closes: the last audit events are written
    }
    if (telemetry != null) {
      telemetry.close(); // after the audit trail: its last log records are exported
    }
    if (governance != null) {
      governance.close(); // after the listeners: the last usage records are written
    }
  }

  /** OpenTelemetry (traces, audit log export); its parts are null when telemetry is not configured. */
  public dev.portcullis.telemetry.Telemetry telemetry() {
    return telemetry;
  }

  /** The audit trail, or null without a store. */
  public dev.portcullis.audit.AuditModule audit() {
    return audit;
  }

  /** Writes the usage records queued so far (tests and diagnostics). */
  public void flushUsage() throws Exception {
    if (governance != null) {
      governance.writer.flush();
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out starting or stopping the gateway", e);
    }
  }
}
