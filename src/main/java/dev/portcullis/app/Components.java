package dev.portcullis.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.admin.AdminApi;
import dev.portcullis.admin.AdminAuthentication;
import dev.portcullis.admin.AuditAdmin;
import dev.portcullis.admin.KeyAdmin;
import dev.portcullis.admin.ReloadAdmin;
import dev.portcullis.admin.UpstreamStatus;
import dev.portcullis.audit.AuditModule;
import dev.portcullis.audit.AuditWriter;
import dev.portcullis.cluster.ChangeEvent;
import dev.portcullis.cluster.Cluster;
import dev.portcullis.cluster.RedisCluster;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.ConfigWatcher;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.eventloop.EventLoopBarrier;
import dev.portcullis.identity.IdentityWiring;
import dev.portcullis.identity.ResourceServer;
import dev.portcullis.identity.credentials.Credentials;
import dev.portcullis.json.JsonBodies;
import dev.portcullis.limits.Accountant;
import dev.portcullis.limits.BudgetGauges;
import dev.portcullis.limits.BudgetLedger;
import dev.portcullis.limits.CurrentPrices;
import dev.portcullis.limits.PersonaLimits;
import dev.portcullis.limits.PriceTable;
import dev.portcullis.limits.UsageSink;
import dev.portcullis.llm.CallObserver;
import dev.portcullis.llm.ModelCatalog;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.demo.DemoProvider;
import dev.portcullis.llm.responses.ResponseArchive;
import dev.portcullis.llm.wire.ProviderAdapters;
import dev.portcullis.mcp.McpGateway;
import dev.portcullis.oauth.AuthorizationServer;
import dev.portcullis.policy.Approvals;
import dev.portcullis.server.AccessLog;
import dev.portcullis.server.ConnectionLimits;
import dev.portcullis.server.GatewayVerticle;
import dev.portcullis.server.Snapshot;
import dev.portcullis.store.ApprovalRepository;
import dev.portcullis.store.ConnectionRepository;
import dev.portcullis.store.OAuthRepository;
import dev.portcullis.store.ResponseRepository;
import dev.portcullis.store.ToolPinRepository;
import dev.portcullis.telemetry.GatewayMetrics;
import dev.portcullis.telemetry.Telemetry;
import dev.portcullis.ui.Console;
import dev.portcullis.ui.ConsoleWiring;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The composition root: builds every component of a running gateway once, from configuration,
 * each with what it depends on given to its constructor, in the order of those dependencies, and
 * starts the listeners. Nothing is set on a component after it is built; what changes on a reload
 * is read from the snapshot in force. A feature that is off is not built (its component is null
 * here and its routes are not mounted). Nothing else constructs shared components.
 */
public final class Components {
  /** How long starting or stopping one part may take before start-up (or shutdown) gives up. */
  private static final long STEP_TIMEOUT_SECONDS = 60;
  /** How long a call held for approval waits for a decision, and an approval waits to be used. */
  private static final long APPROVAL_TTL_MS = 60 * 60_000L;

  private final Vertx vertx;
  private final Shutdown shutdown;
  private final GatewayMetrics metrics;
  private final int port;
  private final Governance governance;
  private final McpGateway mcp;
  private final AuditModule audit;
  private final Telemetry telemetry;
  private final ConfigReloader reloader;

  private Components(Vertx vertx, Shutdown shutdown, GatewayMetrics metrics, int port, Governance governance,
      McpGateway mcp, AuditModule audit, Telemetry telemetry, ConfigReloader reloader) {
    this.vertx = vertx;
    this.shutdown = shutdown;
    this.metrics = metrics;
    this.port = port;
    this.governance = governance;
    this.mcp = mcp;
    this.audit = audit;
    this.telemetry = telemetry;
    this.reloader = reloader;
  }

  /**
   * Builds the gateway and waits until it listens; on failure stops what was built and throws.
   *
   * @param file the configuration file {@code config} was loaded from, or null: no reloading
   * @param port the port to listen on (0 for any free port); overrides the config's
   * @param eventLoops how many event loops serve requests
   * @param tokens counts tokens; its vocabularies are read once the gateway listens
   */
  public static Components start(Path file, GatewayConfig config, int port, int eventLoops, TokenCounter tokens)
      throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setPreferNativeTransport(true));
    Shutdown shutdown = new Shutdown(vertx);
    try {
      return build(vertx, shutdown, file, config, port, eventLoops, tokens);
    } catch (Exception e) {
      try {
        shutdown.run();
      } catch (Exception stopping) {
        e.addSuppressed(stopping);
      }
      throw e;
    }
  }

  private static Components build(Vertx vertx, Shutdown shutdown, Path file, GatewayConfig config, int port,
      int eventLoops, TokenCounter tokens) throws Exception {
    ObjectMapper requestJson = new ObjectMapper(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(config.server().maxJsonDepth()).build())
        .build());
    // the one parser of client request bodies: every surface, parsed once at the edge
    JsonBodies bodies = new JsonBodies(config.server().maxJsonDepth());
    DemoProvider demo = usesDemo(config) ? demo(vertx, shutdown, tokens) : null;
    String demoBase = demo == null ? null : "http://127.0.0.1:" + demo.port() + "/v1";
    ProviderAdapters adapters = new ProviderAdapters(requestJson, tokens);
    Function<GatewayConfig, ModelCatalog> catalogs =
        c -> new ModelCatalog(c, adapters::forType, d -> adapters.defaultBaseUrl(d, demoBase));
    ModelCatalog catalog = catalogs.apply(config);
    GatewayMetrics metrics = new GatewayMetrics();
    // shared state with the other replicas (Redis), or none: one replica
    Cluster cluster = config.cluster().enabled()
        ? RedisCluster.start(vertx, config.cluster(), metrics, config.mcp().sessionIdleSeconds() * 1000L)
        : Cluster.single();
    shutdown.beforeListeners(cluster, cluster::close);
    PersonaLimits personaLimits = new PersonaLimits(config.personas());
    CurrentPrices prices = new CurrentPrices(new PriceTable(config.pricing(), catalog));
    // the snapshot in force: set once built below, swapped by reloads; read per request
    AtomicReference<Snapshot> current = new AtomicReference<>();
    UsageSink spend = r -> {
      if (r.costNanos() > 0) {
        metrics.spent(r.keyId() == null ? "none" : r.keyId(), r.teamId() == null ? "none" : r.teamId(), r.model(),
            r.costNanos() / 1e9);
      }
    };
    Governance gov = config.store() == null ? null : new Governance(vertx, config, prices, personaLimits, spend, cluster);
    if (gov != null) {
      shutdown.afterListeners(gov, gov::close); // after the listeners: the last usage records are written
    }
    Accountant accountant = accountant(config, gov, prices, spend, personaLimits, cluster);
    if (accountant != null) { // the budget gauges read the personas in force at each scrape
      metrics.budgets(new BudgetGauges(gov == null ? null : gov.directory, accountant.ledger(),
          () -> current.get().config().personas())::remaining);
    }
    Telemetry telemetry = Telemetry.start(config.telemetry(),
        gov != null && config.audit().enabled() && config.audit().otelLogs());
    shutdown.afterListeners(telemetry, telemetry::close); // after the audit trail: its last log records go out
    AuditModule audit = gov == null || !config.audit().enabled() ? null
        : AuditModule.start(config.audit(), config.store().url(), gov.store.dataSource(), gov.store.sqlite(),
            telemetry.auditLogs(), metrics::auditSinkDropped);
    if (audit != null) { // after the listeners, before the store: the last audit events are written
      shutdown.afterListeners(audit, audit::close);
    }
    AuditWriter auditWriter = audit == null ? null : audit.writer();
    // calls policy holds for an administrator, model and tool calls alike: one queue, one admin API;
    // with a store they survive restarts and are shared by replicas
    Approvals approvals = new Approvals(APPROVAL_TTL_MS, APPROVAL_TTL_MS,
        gov == null ? null : new ApprovalRepository(gov.store.dataSource()));
    PublicUrl publicUrl = new PublicUrl(config.identity().resource(), config.server().host());
    // upstream credentials: the gateway's own secrets, client credentials, per-user connections,
    // token exchange (the client's gateway credential never goes upstream)
    Credentials credentials = Credentials.create(vertx, config,
        gov == null ? null : new ConnectionRepository(gov.store.dataSource()),
        gov == null ? null : new OAuthRepository(gov.store.dataSource()), publicUrl);
    boolean servesMcp = !config.mcp().servers().isEmpty();
    SnapshotFactory snapshots = new SnapshotFactory(vertx, config, requestJson, catalogs,
        gov == null ? null : gov.directory,
        new SnapshotFactory.McpParts(servesMcp, auditWriter, approvals, accountant,
            cluster.values(dev.portcullis.mcp.McpGovernance.CONSENT_SPACE)));
    current.set(snapshots.build(config, catalog));
    McpGateway mcp = servesMcp ? mcp(vertx, config, requestJson, bodies, gov, credentials, approvals, cluster,
        current, telemetry, metrics, shutdown) : null;
    AuthorizationServer oauth = AuthorizationServer.create(vertx, config.identity(),
        gov == null ? null : new OAuthRepository(gov.store.dataSource()), bodies, publicUrl);
    // an OAuth caller is bound to a persona by its request's snapshot
    ResourceServer identity = IdentityWiring.resourceServer(vertx, config, oauth, publicUrl,
        ctx -> Snapshot.of(ctx).access().bind(ctx));
    ConfigReloader reloader = file == null ? null
        : reloader(vertx, file, current, snapshots, mcp, credentials, personaLimits, prices, metrics, demo != null,
            accountant != null, cluster);
    // Instances of one deployment share the listening port, also a random one (port 0), and so
    // the connection caps.
    ConnectionLimits connectionLimits = new ConnectionLimits(config.server().maxConnections(),
        config.server().maxConnectionsPerAddress());
    metrics.openConnections(connectionLimits::open);
    UpstreamStatus status = new UpstreamStatus(() -> current.get().catalog(),
        () -> mcp == null ? List.of() : mcp.upstreams(), () -> current.get().config().mcp().servers(),
        () -> current.get().config().readiness());
    AdminAuthentication adminAuthentication = new AdminAuthentication(
        config.admin() == null ? null : config.admin().key());
    KeyAdmin keys = gov == null ? null : new KeyAdmin(gov.store, gov::changed, gov.ledger);
    Console console = gov == null ? null : ConsoleWiring.console(vertx, config, gov.store, keys, audit, mcp,
        new ConsoleWiring.Live(() -> current.get().config(), () -> current.get().access().policy(),
            () -> reloader == null || reloader.last() == null ? null : reloader.last().toJson(), status),
        cluster, publicUrl);
    AdminApi admin = gov == null ? null : new AdminApi(keys, gov.store.usage(), gov.writer, adminAuthentication,
        bodies, audit == null ? List.of() : List.of(new AuditAdmin(audit)::mount));
    ResponseArchive responses = new ResponseArchive(vertx,
        gov == null ? null : new ResponseRepository(gov.store.dataSource(), requestJson),
        TimeUnit.DAYS.toMillis(config.store() == null ? 0 : config.store().responsesRetentionDays()));
    AtomicBoolean ready = new AtomicBoolean();
    GatewayVerticle.Parts parts = new GatewayVerticle.Parts(current::get, port, requestJson, bodies, metrics,
        observer(metrics), ready::get, accountant, tokens, approvals, adminAuthentication, admin,
        reloader == null ? r -> { } : new ReloadAdmin(vertx,
            () -> reloader.last() == null ? null : reloader.last().toJson(), () -> reloader.reload("admin").toJson(),
            adminAuthentication)::mount,
        mcp, identity, oauth, credentials.connections(), connectionLimits,
        new AccessLog(config.server().accessLog(), metrics), status, cluster, responses, auditWriter,
        telemetry.llm(), console);
    AtomicReference<GatewayVerticle> any = new AtomicReference<>();
    await(vertx.deployVerticle(() -> {
      GatewayVerticle v = new GatewayVerticle(parts);
      any.set(v);
      return v;
    }, new DeploymentOptions().setInstances(eventLoops)));
    int bound = any.get().actualPort();
    publicUrl.listening(bound);
    if (reloader != null && config.server().reload().watch()) {
      ConfigWatcher watcher = ConfigWatcher.start(file, config.server().reload().debounceMs(),
          () -> reloader.reloadIfChanged("watch"));
      shutdown.beforeListeners(watcher, watcher::close); // the first to stop: no reload starts while stopping
    }
    ready.set(true);
    // Read once listening rather than before: on two cores reading them took a quarter of
    // start-up. LLM requests that come in meanwhile wait for them (VocabularyGate).
    tokens.load();
    return new Components(vertx, shutdown, metrics, bound, gov, mcp, audit, telemetry, reloader);
  }

  private static DemoProvider demo(Vertx vertx, Shutdown shutdown, TokenCounter tokens) throws Exception {
    DemoProvider demo = await(new DemoProvider(tokens).start(vertx, "127.0.0.1", 0));
    return shutdown.beforeListeners(demo, () -> await(demo.close()));
  }

  private static boolean usesDemo(GatewayConfig config) {
    return config.models().values().stream()
        .flatMap(g -> g.deployments().stream())
        .anyMatch(d -> "demo".equals(d.type()));
  }

  /**
   * The limits calls count against: the store's accountant, or without a store one in memory when
   * persona, user or tool limits are configured (budgets then restart from zero), else null.
   */
  private static Accountant accountant(GatewayConfig config, Governance gov, CurrentPrices prices, UsageSink spend,
      PersonaLimits personaLimits, Cluster cluster) {
    if (gov != null) {
      return gov.accountant;
    }
    boolean limited = config.personas().values().stream().anyMatch(p -> p.limits() != null && p.limits().any())
        || config.limits().any();
    return limited ? new Accountant(prices, new BudgetLedger(), spend, personaLimits, config.limits(),
        cluster.limits()) : null;
  }

  private static CallObserver observer(GatewayMetrics metrics) {
    return s -> metrics.request(s.deployment() == null
        ? new GatewayMetrics.Labels(s.model(), "none", "none") : s.deployment().labels(), s.status(),
        s.durationNanos(), s.usage().promptTokens(), s.usage().completionTokens());
  }

  /** The MCP gateway, governed by the snapshot in force (the same personas, policy, guard, limits and audit). */
  private static McpGateway mcp(Vertx vertx, GatewayConfig config, ObjectMapper requestJson, JsonBodies bodies,
      Governance gov, Credentials credentials, Approvals approvals, Cluster cluster,
      AtomicReference<Snapshot> current, Telemetry telemetry, GatewayMetrics metrics, Shutdown shutdown) {
    McpGateway mcp = McpGateway.start(vertx, config.mcp(), requestJson, bodies, config.server().maxResponseBytes(),
        gov == null ? null : new ToolPinRepository(gov.store.dataSource()), credentials, approvals, cluster,
        () -> current.get().mcpGovernance(), telemetry.mcp(), metrics); // tracing null when off: nothing traced
    // ends this replica's copies of sessions (their shared records stay), stops stdio servers
    return shutdown.beforeListeners(mcp, mcp::close);
  }

  /**
   * Reloads {@code file} on demand; what a reload puts in force outside the snapshot: prices and
   * persona limits for calls admitted from then on, upstream credentials for upstreams (re)started
   * from then on. A reload on another replica makes this one reload its own file.
   */
  private static ConfigReloader reloader(Vertx vertx, Path file, AtomicReference<Snapshot> current,
      SnapshotFactory snapshots, McpGateway mcp, Credentials credentials, PersonaLimits personaLimits,
      CurrentPrices prices, GatewayMetrics metrics, boolean demoRunning, boolean counting, Cluster cluster) {
    Consumer<Snapshot> applyLive = s -> {
      credentials.update(s.config().mcp().servers());
      personaLimits.apply(s.config().personas());
      prices.replace(new PriceTable(s.config().pricing(), s.catalog()));
    };
    ConfigReloader reloader = new ConfigReloader(file, new ConfigLoader(), current, snapshots::build, mcp, applyLive,
        metrics, demoRunning, counting, cluster);
    cluster.onEvent(e -> {
      if (e.kind() == ChangeEvent.Kind.CONFIG) {
        vertx.executeBlocking(() -> reloader.reload(ConfigReloader.CLUSTER), false);
      }
    });
    return reloader;
  }

  public int port() {
    return port;
  }

  /** The MCP gateway, or null when no MCP servers are configured. */
  public McpGateway mcp() {
    return mcp;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** Reloads the configuration file (SIGHUP, the admin API, tests); null when started without a file. */
  public ConfigReloader reloader() {
    return reloader;
  }

  /** OpenTelemetry (traces, audit log export); its parts are null when telemetry is not configured. */
  public Telemetry telemetry() {
    return telemetry;
  }

  /** The audit trail, or null without a store. */
  public AuditModule audit() {
    return audit;
  }

  /**
   * The network transport the event loops run on, from its Vert.x class name: "epoll" on Linux
   * (Netty's native transport), "kqueue" or "iouring" where those are loaded, else "nio".
   */
  public String transport() {
    String name = ((VertxInternal) vertx).transport().getClass().getSimpleName();
    return name.replace("Transport", "").toLowerCase(java.util.Locale.ROOT);
  }

  /** Writes the usage records of every request answered so far (tests and diagnostics; blocks). */
  public void flushUsage() throws Exception {
    if (governance != null) {
      EventLoopBarrier.pass(vertx, STEP_TIMEOUT_SECONDS * 1000);
      governance.writer.flush();
    }
  }

  /** Writes the audit events of every request answered so far (tests and diagnostics; blocks). */
  public void flushAudit() throws Exception {
    if (audit != null) {
      EventLoopBarrier.pass(vertx, STEP_TIMEOUT_SECONDS * 1000);
      audit.writer().flush();
    }
  }

  /** Stops every component, in the order {@link Shutdown} states. */
  public void close() throws Exception {
    shutdown.run();
  }

  /** Waits for {@code f}, at most {@link #STEP_TIMEOUT_SECONDS}; its failure is thrown. */
  public static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
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
