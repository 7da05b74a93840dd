package dev.portcullis.config;

import dev.portcullis.config.GatewayConfig.ModelGroupConfig;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Semantic checks that binding alone cannot express; each problem is "field: why". */
final class ConfigValidator {
  static final Set<String> STRATEGIES = Set.of("weighted", "least_busy");

  /** A ceiling far above any real price, so that price times tokens stays a finite number. */
  static final double MAX_USD_PER_MILLION = 1e9;

  private ConfigValidator() {}

  /**
   * An administrator key that is also a client key would let that client approve its own held
   * calls and read everyone's audit trail; a read-only key equal to the admin key would make the
   * key's role ambiguous. Named by position only: the keys are secrets.
   */
  private static void adminKeysApart(GatewayConfig c, List<String> problems) {
    String admin = c.admin().key();
    List<String> readers = c.admin().readOnlyKeys();
    List<String> clients = c.clients().keys();
    for (int i = 0; i < clients.size(); i++) {
      String k = clients.get(i);
      if (k == null || k.isBlank()) {
        continue;
      }
      if (k.equals(admin)) {
        problems.add("clients.keys[" + i + "]: the same as admin.key; a client key must not be an administrator key");
      }
      if (readers.contains(k)) {
        problems.add("clients.keys[" + i + "]: the same as admin.read_only_keys[" + readers.indexOf(k)
            + "]; a client key must not be an administrator key");
      }
    }
    if (admin != null && readers.contains(admin)) {
      problems.add("admin.read_only_keys[" + readers.indexOf(admin) + "]: the same as admin.key");
    }
  }

  static void validate(GatewayConfig c, List<String> problems) {
    console(c.admin().console(), problems);
    var s = c.server();
    if (s.port() < 0 || s.port() > 65535) {
      problems.add("server.port: must be between 0 and 65535, got " + s.port());
    }
    positive("server.max_body_bytes", s.maxBodyBytes(), problems);
    positive("server.max_json_depth", s.maxJsonDepth(), problems);
    positive("server.max_response_bytes", s.maxResponseBytes(), problems);
    positive("server.timeouts.idle_ms", s.timeouts().idleMs(), problems);
    positive("server.timeouts.header_read_ms", s.timeouts().headerReadMs(), problems);
    positive("server.timeouts.body_read_ms", s.timeouts().bodyReadMs(), problems);
    notNegative("server.max_connections", s.maxConnections(), problems);
    notNegative("server.max_connections_per_address", s.maxConnectionsPerAddress(), problems);
    positive("server.reload.debounce_ms", s.reload().debounceMs(), problems);
    for (int i = 0; i < c.clients().keys().size(); i++) {
      String k = c.clients().keys().get(i);
      if (k == null || k.isBlank()) {
        problems.add("clients.keys[" + i + "]: must not be empty");
      }
    }
    adminKeysApart(c, problems);
    var r = c.router();
    positive("router.max_attempts", r.maxAttempts(), problems);
    positive("router.backoff_initial_ms", r.backoffInitialMs(), problems);
    if (r.backoffMaxMs() < r.backoffInitialMs()) {
      problems.add("router.backoff_max_ms: must be at least router.backoff_initial_ms");
    }
    positive("router.cooldown_failures", r.cooldownFailures(), problems);
    positive("router.cooldown_seconds", r.cooldownSeconds(), problems);
    var st = c.store();
    if (st != null) {
      if (st.url() == null || !st.url().startsWith("jdbc:sqlite:") && !st.url().startsWith("jdbc:postgresql:")) {
        problems.add("store.url: must be jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB, got '" + st.url() + "'");
      }
      positive("store.pool_size", st.poolSize(), problems);
      positive("store.flush_ms", st.flushMs(), problems);
      positive("store.batch_size", st.batchSize(), problems);
      positive("store.key_refresh_ms", st.keyRefreshMs(), problems);
      positive("store.responses_retention_days", st.responsesRetentionDays(), problems);
    }
    McpConfigValidator.validate(c.mcp(), problems);
    LimitsConfigValidator.validate(c.limits(), problems);
    problems.addAll(dev.portcullis.guard.GuardFactory.problems(c.guard()));
    IdentityConfigValidator.validate(c, problems);
    TelemetryConfigValidator.validate(c, problems);
    AuditKeyConfigValidator.validate(c, problems);
    ReadinessConfigValidator.validate(c, problems);
    ClusterConfigValidator.validate(c, problems);
    if (c.models().isEmpty() && c.mcp().servers().isEmpty()) {
      problems.add("models: at least one model group is required (or an MCP server under mcp.servers)");
    }
    for (Map.Entry<String, ModelGroupConfig> e : c.models().entrySet()) {
      validateGroup("models." + e.getKey(), e.getValue(), c.models(), problems);
    }
    c.pricing().models().forEach((k, v) -> validatePrice("pricing.models." + k, v, problems));
    c.pricing().deployments().forEach((k, v) -> validatePrice("pricing.deployments." + k, v, problems));
  }

  /** Prices feed cost arithmetic: NaN, infinite or negative ones would charge nothing or refund. */
  private static void validatePrice(String field, GatewayConfig.PriceConfig p, List<String> problems) {
    if (p == null) {
      problems.add(field + ": must be an object of prices");
      return;
    }
    usdPerMillion(field + ".input", p.input(), problems);
    usdPerMillion(field + ".cached_input", p.cachedInput(), problems);
    usdPerMillion(field + ".cache_write_input", p.cacheWriteInput(), problems);
    usdPerMillion(field + ".output", p.output(), problems);
    if (p.maxOutputTokens() != null) {
      positive(field + ".max_output_tokens", p.maxOutputTokens(), problems);
    }
  }

  private static void usdPerMillion(String field, Double usd, List<String> problems) {
    if (usd != null && !(usd >= 0 && usd <= MAX_USD_PER_MILLION)) {
      problems.add(field + ": must be between 0 and " + (long) MAX_USD_PER_MILLION + " (USD per million tokens), got "
          + usd);
    }
  }

  private static void validateGroup(
      String field, ModelGroupConfig g, Map<String, ModelGroupConfig> all, List<String> problems) {
    if (g == null) {
      problems.add(field + ": must be a mapping with deployments");
      return;
    }
    if (!STRATEGIES.contains(g.strategy())) {
      problems.add(field + ".strategy: unknown strategy '" + g.strategy() + "' (expected one of "
          + STRATEGIES + ")");
    }
    for (String fb : g.fallbacks()) {
      if (!all.containsKey(fb)) {
        problems.add(field + ".fallbacks: no model group named '" + fb + "'");
      }
    }
    if (g.deployments().isEmpty()) {
      problems.add(field + ".deployments: at least one deployment is required");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < g.deployments().size(); i++) {
      String df = field + ".deployments[" + i + "]";
      DeploymentConfig d = g.deployments().get(i);
      if (d == null) {
        problems.add(df + ": must be a mapping");
        continue;
      }
      if (d.name() != null && !names.add(d.name())) {
        problems.add(df + ".name: duplicate deployment name '" + d.name() + "'");
      }
      validateDeployment(df, d, problems);
    }
  }

  /** What every type has; the type's own fields are checked by the type ({@link DeploymentConfig#validate}). */
  private static void validateDeployment(String df, DeploymentConfig d, List<String> problems) {
    if (d.weight() < 0) {
      problems.add(df + ".weight: must not be negative");
    }
    positive(df + ".timeouts.connect_ms", d.timeouts().connectMs(), problems);
    positive(df + ".timeouts.first_byte_ms", d.timeouts().firstByteMs(), problems);
    positive(df + ".timeouts.total_ms", d.timeouts().totalMs(), problems);
    d.validate(df, problems);
  }

  static void required(String field, String value, String forWhat, List<String> problems) {
    if (value == null || value.isBlank()) {
      problems.add(field + ": required for " + forWhat);
    }
  }

  static void url(String field, String value, boolean required, List<String> problems) {
    if (value == null) {
      if (required) {
        problems.add(field + ": required");
      }
      return;
    }
    try {
      URI u = URI.create(value);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        problems.add(field + ": must be an absolute http(s) URL, got '" + value + "'");
      }
    } catch (IllegalArgumentException e) {
      problems.add(field + ": not a valid URL: " + e.getMessage());
    }
  }

  /** The console's bounds: positive, and under ceilings that keep one page or download from hurting the gateway. */
  private static void console(GatewayConfig.ConsoleConfig k, List<String> problems) {
    between("admin.console.session_idle_seconds", k.sessionIdleSeconds(), 1, 86_400, problems);
    between("admin.console.session_max_seconds", k.sessionMaxSeconds(), 1, 7 * 86_400, problems);
    between("admin.console.max_sessions", k.maxSessions(), 1, 1_000_000, problems);
    between("admin.console.requests_per_minute", k.requestsPerMinute(), 1, 1_000_000, problems);
    between("admin.console.page_rows", k.pageRows(), 1, 5_000, problems);
    between("admin.console.csv_rows", k.csvRows(), 1, 1_000_000, problems);
    between("admin.console.max_range_days", k.maxRangeDays(), 1, 3_660, problems);
    between("admin.console.pages_per_second", k.pagesPerSecond(), 1, 1_000_000, problems);
    between("admin.console.cache_seconds", k.cacheSeconds(), 0, 300, problems);
    GatewayConfig.ConsoleOidcConfig o = k.oidc();
    if (o != null) {
      url("admin.console.oidc.issuer", o.issuer(), true, problems);
      url("admin.console.oidc.redirect_uri", o.redirectUri(), false, problems);
      if (o.clientId() == null || o.clientId().isBlank()) {
        problems.add("admin.console.oidc.client_id: required");
      }
      if (!o.scopes().contains("openid")) {
        problems.add("admin.console.oidc.scopes: must contain openid (the console signs in with the ID token)");
      }
      if (o.admins().empty() && o.readers().empty()) {
        problems.add("admin.console.oidc: list who may sign in, under admins or readers (groups or emails)");
      }
    }
  }

  private static void between(String field, long value, long min, long max, List<String> problems) {
    if (value < min || value > max) {
      problems.add(field + ": must be between " + min + " and " + max + ", got " + value);
    }
  }

  private static void notNegative(String field, long value, List<String> problems) {
    if (value < 0) {
      problems.add(field + ": must not be negative (0 means no cap), got " + value);
    }
  }

  private static void positive(String field, long value, List<String> problems) {
    if (value <= 0) {
      problems.add(field + ": must be positive, got " + value);
    }
  }
}
