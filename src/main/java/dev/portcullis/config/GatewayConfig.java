package dev.portcullis.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole gateway configuration, as read from YAML (snake_case keys).
 * Defaults are applied here so that every other component sees complete values.
 */
public record GatewayConfig(
    ServerConfig server,
    ClientsConfig clients,
    RouterConfig router,
    Map<String, ModelGroupConfig> models,
    StoreConfig store,
    AdminConfig admin,
    PricingConfig pricing,
    McpConfig mcp,
    IdentityConfig identity,
    Map<String, PersonaConfig> personas,
    PolicyConfig policy,
    GuardConfig guard,
    AuditConfig audit,
    TelemetryConfig telemetry,
    MetricsConfig metrics,
    ReadinessConfig readiness,
    ClusterConfig cluster,
    LimitsConfig limits) {

  public GatewayConfig {
    server = server == null ? new ServerConfig(null, 0, 0, 0, 0, null, null, null, null) : server;
    clients = clients == null ? new ClientsConfig(null) : clients;
    router = router == null ? new RouterConfig(0, 0, 0, 0, 0, 0) : router;
    models = models == null ? Map.of() : new LinkedHashMap<>(models);
    admin = admin == null ? new AdminConfig(null) : admin;
    pricing = pricing == null ? new PricingConfig(null, null) : pricing;
    mcp = mcp == null ? new McpConfig(null, null, null, null, null, null, null, null) : mcp;
    identity = identity == null ? IdentityConfig.none() : identity;
    personas = personas == null ? Map.of() : new LinkedHashMap<>(personas);
    policy = policy == null ? new PolicyConfig(null, null, null) : policy;
    guard = guard == null ? GuardConfig.none() : guard;
    audit = audit == null ? AuditConfig.defaults() : audit;
    telemetry = telemetry == null ? TelemetryConfig.none() : telemetry;
    metrics = metrics == null ? MetricsConfig.open() : metrics;
    readiness = readiness == null ? ReadinessConfig.none() : readiness;
    cluster = cluster == null ? ClusterConfig.none() : cluster;
    limits = limits == null ? LimitsConfig.none() : limits;
  }

  /** A configuration without cluster and limits sections (one replica; keys', teams' and personas' limits only). */
  public GatewayConfig(ServerConfig server, ClientsConfig clients, RouterConfig router,
      Map<String, ModelGroupConfig> models, StoreConfig store, AdminConfig admin, PricingConfig pricing,
      McpConfig mcp, IdentityConfig identity, Map<String, PersonaConfig> personas, PolicyConfig policy,
      GuardConfig guard, AuditConfig audit, TelemetryConfig telemetry, MetricsConfig metrics,
      ReadinessConfig readiness) {
    this(server, clients, router, models, store, admin, pricing, mcp, identity, personas, policy, guard, audit,
        telemetry, metrics, readiness, null, null);
  }

  /** A configuration without a readiness section (ready once listening). */
  public GatewayConfig(ServerConfig server, ClientsConfig clients, RouterConfig router,
      Map<String, ModelGroupConfig> models, StoreConfig store, AdminConfig admin, PricingConfig pricing,
      McpConfig mcp, IdentityConfig identity, Map<String, PersonaConfig> personas, PolicyConfig policy,
      GuardConfig guard, AuditConfig audit, TelemetryConfig telemetry, MetricsConfig metrics) {
    this(server, clients, router, models, store, admin, pricing, mcp, identity, personas, policy, guard, audit,
        telemetry, metrics, (ReadinessConfig) null);
  }

  /** A configuration without a metrics section (/metrics open to every caller). */
  public GatewayConfig(ServerConfig server, ClientsConfig clients, RouterConfig router,
      Map<String, ModelGroupConfig> models, StoreConfig store, AdminConfig admin, PricingConfig pricing,
      McpConfig mcp, IdentityConfig identity, Map<String, PersonaConfig> personas, PolicyConfig policy,
      GuardConfig guard, AuditConfig audit, TelemetryConfig telemetry) {
    this(server, clients, router, models, store, admin, pricing, mcp, identity, personas, policy, guard, audit,
        telemetry, null);
  }

  /** A configuration without guard, audit or telemetry sections. */
  public GatewayConfig(ServerConfig server, ClientsConfig clients, RouterConfig router,
      Map<String, ModelGroupConfig> models, StoreConfig store, AdminConfig admin, PricingConfig pricing,
      McpConfig mcp, IdentityConfig identity, Map<String, PersonaConfig> personas, PolicyConfig policy) {
    this(server, clients, router, models, store, admin, pricing, mcp, identity, personas, policy, null, null, null);
  }

  /** A configuration without identity, persona or policy sections. */
  public GatewayConfig(ServerConfig server, ClientsConfig clients, RouterConfig router,
      Map<String, ModelGroupConfig> models, StoreConfig store, AdminConfig admin, PricingConfig pricing,
      McpConfig mcp) {
    this(server, clients, router, models, store, admin, pricing, mcp, null, null, null);
  }

  /** A configuration without an MCP section. */
  public GatewayConfig(ServerConfig server, ClientsConfig clients, RouterConfig router,
      Map<String, ModelGroupConfig> models, StoreConfig store, AdminConfig admin, PricingConfig pricing) {
    this(server, clients, router, models, store, admin, pricing, null);
  }

  /** A configuration without store, admin API or pricing overrides. */
  public GatewayConfig(ServerConfig server, ClientsConfig clients, RouterConfig router,
      Map<String, ModelGroupConfig> models) {
    this(server, clients, router, models, null, null, null);
  }

  /**
   * The durable store (virtual keys, usage, spend). Absent: no store, no virtual keys, no
   * accounting; only {@code clients.keys} authenticate.
   *
   * @param url {@code jdbc:sqlite:FILE} or {@code jdbc:postgresql://HOST/DB}
   * @param flushMs how often batched usage records are written
   * @param batchSize usage records written per batch at most (a full batch is flushed at once)
   * @param keyRefreshMs how often keys changed by another process (the CLI) are re-read
   */
  public record StoreConfig(String url, String user, String password, Integer poolSize, Long flushMs,
      Integer batchSize, Long keyRefreshMs, Integer responsesRetentionDays) {
    public StoreConfig {
      poolSize = poolSize == null ? 4 : poolSize;
      flushMs = flushMs == null ? 200L : flushMs;
      batchSize = batchSize == null ? 500 : batchSize;
      keyRefreshMs = keyRefreshMs == null ? 5_000L : keyRefreshMs;
      responsesRetentionDays = responsesRetentionDays == null ? 30 : responsesRetentionDays; // OpenAI keeps 30 days
    }

    public StoreConfig(String url, String user, String password, Integer poolSize, Long flushMs, Integer batchSize,
        Long keyRefreshMs) {
      this(url, user, password, poolSize, flushMs, batchSize, keyRefreshMs, null);
    }
  }

  /**
   * The admin API credential; with no key the admin API refuses everyone. {@code readOnlyKeys}
   * sign in to the web console (/ui) to look, not to change anything.
   */
  public record AdminConfig(String key, List<String> readOnlyKeys, ConsoleConfig console) {
    public AdminConfig {
      readOnlyKeys = readOnlyKeys == null ? List.of() : List.copyOf(readOnlyKeys);
      console = console == null ? new ConsoleConfig(null, null, null, null, null, null, null, null, null, null)
          : console;
    }

    public AdminConfig(String key, List<String> readOnlyKeys) {
      this(key, readOnlyKeys, null);
    }

    public AdminConfig(String key) {
      this(key, null);
    }
  }

  /**
   * The web console's bounds: how long a session lives without a request and at most, how many
   * sessions exist at once, requests a minute per client address, and how much one page or CSV
   * download may hold, and how many days a usage report may span; pages a second per signed-in
   * operator, and how long one reading of the store serves every operator's pages.
   */
  public record ConsoleConfig(Long sessionIdleSeconds, Long sessionMaxSeconds, Integer maxSessions,
      Integer requestsPerMinute, Integer pageRows, Integer csvRows, Integer maxRangeDays, Integer pagesPerSecond,
      Integer cacheSeconds, ConsoleOidcConfig oidc) {
    public ConsoleConfig {
      pagesPerSecond = pagesPerSecond == null ? 10 : pagesPerSecond;
      cacheSeconds = cacheSeconds == null ? 5 : cacheSeconds;
      sessionIdleSeconds = sessionIdleSeconds == null ? 1_800L : sessionIdleSeconds;
      sessionMaxSeconds = sessionMaxSeconds == null ? 43_200L : sessionMaxSeconds;
      maxSessions = maxSessions == null ? 10_000 : maxSessions;
      requestsPerMinute = requestsPerMinute == null ? 600 : requestsPerMinute;
      pageRows = pageRows == null ? 500 : pageRows;
      csvRows = csvRows == null ? 50_000 : csvRows;
      maxRangeDays = maxRangeDays == null ? 366 : maxRangeDays;
    }
  }

  /**
   * Console sign-in through an OpenID Connect provider (authorization code with PKCE). Who may
   * come in is listed here, by group (the {@code groups_claim} of the ID token) or by verified
   * e-mail address; anyone else the IdP knows is refused.
   *
   * @param redirectUri the callback the IdP sends the browser back to (default: the gateway's
   *     public base URL, {@code identity.resource} or the listener, + {@code /ui/oidc/callback})
   * @param admins who signs in with the admin role
   * @param readers who signs in read-only (admins win when someone is in both)
   */
  public record ConsoleOidcConfig(String issuer, String clientId, String clientSecret, List<String> scopes,
      String groupsClaim, String redirectUri, ConsoleMembersConfig admins, ConsoleMembersConfig readers) {
    public ConsoleOidcConfig {
      scopes = scopes == null ? List.of("openid", "profile", "email") : List.copyOf(scopes);
      groupsClaim = groupsClaim == null ? "groups" : groupsClaim;
      admins = admins == null ? new ConsoleMembersConfig(null, null) : admins;
      readers = readers == null ? new ConsoleMembersConfig(null, null) : readers;
    }
  }

  /** Members of a console role: any of these groups, or any of these e-mail addresses (case does not matter). */
  public record ConsoleMembersConfig(List<String> groups, List<String> emails) {
    public ConsoleMembersConfig {
      groups = groups == null ? List.of() : List.copyOf(groups);
      emails = emails == null ? List.of() : List.copyOf(emails);
    }

    public boolean empty() {
      return groups.isEmpty() && emails.isEmpty();
    }
  }

  /** Price overrides in USD per million tokens, per model (group or upstream name) and per deployment. */
  public record PricingConfig(Map<String, PriceConfig> models, Map<String, PriceConfig> deployments) {
    public PricingConfig {
      models = models == null ? Map.of() : Map.copyOf(models);
      deployments = deployments == null ? Map.of() : Map.copyOf(deployments);
    }
  }

  /**
   * USD per million tokens: input (uncached prompt), cached input, output (completion); and the
   * most completion tokens the model writes in one answer, which reservations cap max_tokens at.
   */
  public record PriceConfig(Double input, Double cachedInput, Double cacheWriteInput, Double output,
      Long maxOutputTokens) {}

  /**
   * Listener and input limits.
   *
   * @param maxConnections open client connections at most, over every address (0: no cap)
   * @param maxConnectionsPerAddress open client connections at most from one IP address (0: no cap;
   *     behind a load balancer or NAT every client shares its address)
   */
  public record ServerConfig(
      String host, int port, long maxBodyBytes, int maxJsonDepth, long maxResponseBytes, Boolean accessLog,
      ServerTimeoutsConfig timeouts, Integer maxConnections, Integer maxConnectionsPerAddress,
      ReloadConfig reload) {
    public ServerConfig {
      reload = reload == null ? new ReloadConfig(null, null) : reload;
      timeouts = timeouts == null ? new ServerTimeoutsConfig(null, null, null) : timeouts;
      maxConnections = maxConnections == null ? 10_000 : maxConnections;
      maxConnectionsPerAddress = maxConnectionsPerAddress == null ? 256 : maxConnectionsPerAddress;
      host = host == null ? "127.0.0.1" : host;
      port = port == 0 ? 8080 : port;
      maxBodyBytes = maxBodyBytes == 0 ? 4L * 1024 * 1024 : maxBodyBytes;
      maxJsonDepth = maxJsonDepth == 0 ? 64 : maxJsonDepth;
      maxResponseBytes = maxResponseBytes == 0 ? 64L * 1024 * 1024 : maxResponseBytes;
      accessLog = accessLog == null ? Boolean.TRUE : accessLog;
    }

    /** Server settings without a reload section (the defaults: watch the file, 500 ms debounce). */
    public ServerConfig(String host, int port, long maxBodyBytes, int maxJsonDepth, long maxResponseBytes,
        Boolean accessLog, ServerTimeoutsConfig timeouts, Integer maxConnections, Integer maxConnectionsPerAddress) {
      this(host, port, maxBodyBytes, maxJsonDepth, maxResponseBytes, accessLog, timeouts, maxConnections,
          maxConnectionsPerAddress, null);
    }
  }

  /**
   * How the running gateway picks up an edited configuration file (SIGHUP and
   * {@code POST /admin/config/reload} always work).
   *
   * @param watch whether a change to the file (also an editor's rename-replace or a Kubernetes
   *     ConfigMap symlink swap) reloads it
   * @param debounceMs how long the file must stay unchanged before it is read, so a half-written
   *     file or a burst of writes is read once
   */
  public record ReloadConfig(Boolean watch, Long debounceMs) {
    public ReloadConfig {
      watch = watch == null ? Boolean.TRUE : watch;
      debounceMs = debounceMs == null ? 500L : debounceMs;
    }
  }

  /**
   * How long the gateway waits for a client (nginx's client_header_timeout, client_body_timeout
   * and keepalive_timeout). Nothing is timed while the gateway itself answers: slow upstreams and
   * long streams have their own limits.
   *
   * @param idleMs a kept-alive connection's wait for the complete head of its next request
   * @param headerReadMs from accepting a connection until its first request head has arrived complete
   * @param bodyReadMs from a request head until its whole body has arrived (a total, not a gap
   *     between chunks, so a body trickled a byte at a time cannot hold a connection for longer)
   */
  public record ServerTimeoutsConfig(Long idleMs, Long headerReadMs, Long bodyReadMs) {
    public ServerTimeoutsConfig {
      idleMs = idleMs == null ? 60_000L : idleMs;
      headerReadMs = headerReadMs == null ? 60_000L : headerReadMs;
      bodyReadMs = bodyReadMs == null ? 60_000L : bodyReadMs;
    }
  }

  /** Credentials a client may present to the gateway. */
  public record ClientsConfig(List<String> keys) {
    public ClientsConfig {
      keys = keys == null ? List.of() : List.copyOf(keys);
    }
  }

  /** Retry, backoff and cooldown rules shared by every model group. */
  public record RouterConfig(
      int maxAttempts,
      long backoffInitialMs,
      long backoffMaxMs,
      long maxRetryAfterMs,
      int cooldownFailures,
      long cooldownSeconds) {
    public RouterConfig {
      maxAttempts = maxAttempts == 0 ? 3 : maxAttempts;
      backoffInitialMs = backoffInitialMs == 0 ? 200 : backoffInitialMs;
      backoffMaxMs = backoffMaxMs == 0 ? 5_000 : backoffMaxMs;
      maxRetryAfterMs = maxRetryAfterMs == 0 ? 30_000 : maxRetryAfterMs;
      cooldownFailures = cooldownFailures == 0 ? 3 : cooldownFailures;
      cooldownSeconds = cooldownSeconds == 0 ? 30 : cooldownSeconds;
    }
  }

  /** A model name clients ask for, served by a group of deployments. */
  public record ModelGroupConfig(String strategy, List<String> fallbacks, List<DeploymentConfig> deployments) {
    public ModelGroupConfig {
      strategy = strategy == null ? "weighted" : strategy;
      fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
      deployments = deployments == null ? List.of() : List.copyOf(deployments);
    }
  }

  /** Per-deployment timeouts: TCP connect, time to first response byte, whole exchange. */
  public record TimeoutsConfig(long connectMs, long firstByteMs, long totalMs) {
    public TimeoutsConfig {
      connectMs = connectMs == 0 ? 5_000 : connectMs;
      firstByteMs = firstByteMs == 0 ? 60_000 : firstByteMs;
      totalMs = totalMs == 0 ? 600_000 : totalMs;
    }
  }
}
