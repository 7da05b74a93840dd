package dev.portcullis.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.admin.KeyAdmin;
import dev.portcullis.admin.UpstreamStatus;
import dev.portcullis.audit.AuditModule;
import dev.portcullis.cluster.Cluster;
import dev.portcullis.cluster.ExpiringValues;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.config.IdentityConfig;
import dev.portcullis.identity.SafeFetcher;
import dev.portcullis.oauth.UpstreamIdp;
import dev.portcullis.mcp.McpGateway;
import dev.portcullis.policy.PolicyEngine;
import dev.portcullis.store.Store;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** Builds the console from the configuration and the admin services it shows (part of the composition root). */
public final class ConsoleWiring {
  private ConsoleWiring() {
  }

  /**
   * What the console shows of the running gateway, read when a page is asked for (a reload
   * replaces the configuration and the policy).
   *
   * @param config the configuration in force
   * @param policy the policy engine in force
   * @param lastReload the outcome of the last reload as {@code GET /admin/reload} shows it, or null
   * @param status the upstreams' live state
   */
  public record Live(Supplier<GatewayConfig> config, Supplier<PolicyEngine> policy, Supplier<JsonNode> lastReload,
      UpstreamStatus status) {}

  /**
   * The console over this store; it lets nobody in while neither {@code admin.key} nor
   * {@code admin.console.oidc} is set.
   *
   * @param audit the audit trail, or null when it is off
   * @param mcp the MCP gateway, or null when no MCP servers are configured
   * @param cluster where the replicas share state: console sessions go there when it is shared
   * @param publicUrl the gateway's public base URL, known once it listens (the default OpenID
   *     Connect callback is under it)
   */
  public static Console console(Vertx vertx, GatewayConfig config, Store store, KeyAdmin keys, AuditModule audit,
      McpGateway mcp, Live live, Cluster cluster, Supplier<String> publicUrl) {
    GatewayConfig.ConsoleConfig c = config.admin().console();
    Console.Settings settings = new Console.Settings(Duration.ofSeconds(c.sessionIdleSeconds()),
        Duration.ofSeconds(c.sessionMaxSeconds()), c.maxSessions(), c.requestsPerMinute(), c.pagesPerSecond());
    ConsoleWork work = new ConsoleWork(vertx.createSharedWorkerExecutor(ConsoleWork.POOL, ConsoleWork.THREADS),
        new Readings(System::currentTimeMillis), c.cacheSeconds() * 1000L);
    Console.Limits limits = new Console.Limits(c.pageRows(), c.csvRows(), c.maxRangeDays());
    ExpiringValues shared = cluster.values(SESSIONS_SPACE);
    Sessions sessions = shared.shared() ? new SharedSessions(shared, settings.idle(), settings.absolute())
        : new LocalSessions(settings.idle(), settings.absolute(), settings.maxSessions());
    return new Console(config.admin().key(), config.admin().readOnlyKeys(), settings, sessions,
        oidc(vertx, c.oidc(), config.identity(), sessions, publicUrl), work, List.of(
        new OverviewPage(store.usage(), audit), new UsagePage(store.usage(), limits),
        new KeysPage(keys, store.keys()), new TeamsPage(keys), new McpPage(mcp, live.status()), new AuditPage(audit),
        new ConfigPage(new ConfigPage.Sources(live.config(), live.policy(), live.lastReload()))));
  }

  /** The Redis name space of the console's sessions. */
  private static final String SESSIONS_SPACE = "console-session";

  /** Sign-in through the IdP, fetched under the {@code identity.fetch} rules; null when not configured. */
  private static OidcSignIn oidc(Vertx vertx, GatewayConfig.ConsoleOidcConfig o, IdentityConfig identity,
      Sessions sessions, Supplier<String> publicUrl) {
    if (o == null) {
      return null;
    }
    UpstreamIdp idp = new UpstreamIdp(new IdentityConfig.UpstreamIdpConfig(o.issuer(), o.clientId(), o.clientSecret(),
        o.scopes(), o.groupsClaim(), false), new SafeFetcher(vertx, identity.fetch()), identity.fetch(),
        identity.clockSkewSeconds());
    return new OidcSignIn(idp, new OidcMembers(o.admins(), o.readers()), o.redirectUri(), sessions, publicUrl);
  }
}
