package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.McpConfig;
import dev.portcullis.config.McpServerConfig;
import dev.portcullis.mcp.aggregate.Aggregator;
import dev.portcullis.mcp.aggregate.Entry;
import dev.portcullis.mcp.aggregate.FilePinStore;
import dev.portcullis.mcp.aggregate.ItemKind;
import dev.portcullis.mcp.aggregate.ToolPins;
import dev.portcullis.mcp.aggregate.Upstream;
import dev.portcullis.mcp.demo.DemoMcpServer;
import dev.portcullis.mcp.downstream.McpHttpEndpoint;
import dev.portcullis.mcp.downstream.OriginPolicy;
import dev.portcullis.mcp.downstream.SessionRegistry;
import dev.portcullis.mcp.downstream.UserSessions;
import dev.portcullis.mcp.upstream.BuiltinTransport;
import dev.portcullis.mcp.upstream.McpClient;
import dev.portcullis.mcp.upstream.StdioTransport;
import dev.portcullis.mcp.upstream.StreamableHttpTransport;
import dev.portcullis.mcp.upstream.Transport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The MCP side of the gateway, built once from configuration: upstreams, sessions, endpoint. */
public final class McpGateway implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(McpGateway.class);
  public static final String VERSION = "0.1.0";

  private final Vertx vertx;
  private final HttpClient http;
  private final ObjectMapper json;
  private final long maxMessageBytes;
  private final dev.portcullis.identity.credentials.Credentials credentials;
  private final SessionRegistry sessions;
  private final ToolPins pins;
  private final String separator;
  private final McpServer server;
  private final McpHttpEndpoint endpoint;
  private final long[] timers;
  /** The upstreams served and the configuration each was built from; replaced whole by a reload. */
  private volatile List<Upstream> upstreams = List.of();
  private final dev.portcullis.telemetry.GatewayMetrics metrics;
  private volatile Map<String, McpServerConfig> built = Map.of();
  private final dev.portcullis.policy.Approvals approvals;

  /** What a reload changed in the set of upstreams (server keys). */
  public record Changes(List<String> added, List<String> removed, List<String> restarted) {
    public boolean any() {
      return !added.isEmpty() || !removed.isEmpty() || !restarted.isEmpty();
    }
  }

  private McpGateway(Vertx vertx, McpConfig config, ObjectMapper json, dev.portcullis.json.JsonBodies bodies,
      long maxMessageBytes, ToolPins.PinStore pinStore, dev.portcullis.identity.credentials.Credentials credentials,
      dev.portcullis.policy.Approvals approvals, dev.portcullis.cluster.Cluster cluster,
      java.util.function.Supplier<McpGovernance> governance, dev.portcullis.telemetry.McpTracing tracing,
      dev.portcullis.telemetry.GatewayMetrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.approvals = approvals;
    this.json = json;
    this.maxMessageBytes = maxMessageBytes;
    this.credentials = credentials;
    ToolPins.PinStore store = pinStore != null ? pinStore
        : config.pinsFile() != null ? new FilePinStore(java.nio.file.Path.of(config.pinsFile())) : null;
    this.pins = new ToolPins(ToolPins.mode(config.pinning()), store);
    this.separator = config.namespaceSeparator();
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(64));
    this.sessions = new SessionRegistry(config.sessionIdleSeconds() * 1000, config.maxSessions(), cluster);
    this.server = new McpServer(new Aggregator(List.of(), separator, config.virtualServers()), sessions, VERSION,
        governance, tracing, metrics, cluster.replicas());
    this.endpoint = new McpHttpEndpoint(bodies, sessions, server, new OriginPolicy(config.allowedOrigins()),
        tracing);
    metrics.mcpSessions(() -> sessions.all().size());
    pins.onApproved(key -> {
      upstreams.stream().filter(u -> u.key().equals(key)).forEach(u -> server.changed(u, ItemKind.TOOLS));
      pins.afterWrites(() -> cluster.publish(dev.portcullis.cluster.ChangeEvent.Kind.PINS)); // once it is stored
    });
    cluster.onEvent(e -> {
      if (e.kind() == dev.portcullis.cluster.ChangeEvent.Kind.PINS
          || e.kind() == dev.portcullis.cluster.ChangeEvent.Kind.RESYNC) {
        vertx.executeBlocking(pins::reload, false).onSuccess(servers -> upstreams.stream()
            .filter(u -> servers.contains(u.key())).forEach(u -> server.changed(u, ItemKind.TOOLS)))
            .onFailure(err -> LOG.atWarn().addKeyValue("error", err.toString())
                .log("could not re-read MCP tool pins after another replica approved one"));
      }
    });
    long sweep = vertx.setPeriodic(60_000, t -> {
      sessions.expireIdle();
      upstreams.stream().filter(Upstream::perUser).forEach(u -> u.userSessions().sweep());
    });
    long keepAlive = vertx.setPeriodic(15_000, t -> {
      sessions.all().forEach(s -> s.standalone().keepAlive());
      endpoint.keepAlive();
    });
    this.timers = new long[] {sweep, keepAlive};
  }

  /**
   * Builds every upstream client and starts connecting them (without waiting). Tool pins are kept
   * in {@code pinStore} (the database store), else in {@code mcp.pins_file} when set, else in
   * memory. With the upstreams' credentials (static secrets, client credentials, per-user
   * connections, token exchange), an upstream with a per-user credential gets one upstream
   * session per user (see {@link UserSessions}).
   *
   * @param json the mapper of upstream messages
   * @param bodies the one parser of client request bodies (POST /mcp)
   * @param cluster shares sessions and pin approvals with the other replicas ({@link
   *     dev.portcullis.cluster.Cluster#single()} when there are none)
   * @param governance identity, policy, guard, limits and audit of the configuration in force
   *     (see {@link McpGovernance#of}), read per request
   * @param tracing traces every MCP request (a SERVER span per client request on {@code /mcp}, a
   *     CLIENT span per request to an upstream, trace context passed on in {@code params._meta}
   *     and HTTP headers); null (tracing off): nothing is traced
   * @param metrics tool calls by server, tool and outcome, their latency by server, whether each
   *     upstream is up, and the open sessions
   */
  public static McpGateway start(Vertx vertx, McpConfig config, ObjectMapper json,
      dev.portcullis.json.JsonBodies bodies, long maxMessageBytes, ToolPins.PinStore pinStore,
      dev.portcullis.identity.credentials.Credentials credentials, dev.portcullis.policy.Approvals approvals,
      dev.portcullis.cluster.Cluster cluster, java.util.function.Supplier<McpGovernance> governance,
      dev.portcullis.telemetry.McpTracing tracing, dev.portcullis.telemetry.GatewayMetrics metrics) {
    McpGateway gateway = new McpGateway(vertx, config, json, bodies, maxMessageBytes, pinStore, credentials,
        approvals, cluster, governance, tracing, metrics);
    gateway.reconcile(config);
    return gateway;
  }

  /**
   * Serves the servers of {@code next} (a reload): an upstream whose configuration is unchanged
   * keeps running (same client, same upstream session); a changed one is replaced by a new one;
   * a removed one leaves the merged view at once and is closed when its calls in flight have
   * answered (or timed out); an added one starts connecting. Sessions of clients are kept and
   * told that the lists changed. Only {@code servers} and {@code virtual_servers} are applied;
   * the other settings of {@code mcp} need a restart.
   */
  public synchronized Changes reconcile(McpConfig next) {
    Map<String, Upstream> running = new java.util.HashMap<>();
    upstreams.forEach(u -> running.put(u.key(), u));
    List<Upstream> serving = new ArrayList<>();
    List<Upstream> started = new ArrayList<>();
    List<String> added = new ArrayList<>();
    List<String> restarted = new ArrayList<>();
    List<Upstream> retired = new ArrayList<>();
    for (Map.Entry<String, McpServerConfig> e : next.servers().entrySet()) {
      Upstream current = running.remove(e.getKey());
      if (current != null && e.getValue().equals(built.get(e.getKey()))) {
        serving.add(current);
        continue;
      }
      Upstream fresh = upstream(e.getKey(), e.getValue(), next);
      serving.add(fresh);
      started.add(fresh);
      (current == null ? added : restarted).add(e.getKey());
      if (current != null) {
        retired.add(current);
      }
    }
    List<String> removed = running.keySet().stream().sorted().toList();
    retired.addAll(running.values());
    Map<String, McpServerConfig> before = built;
    server.aggregate(new Aggregator(serving, separator, next.virtualServers()));
    upstreams = List.copyOf(serving);
    built = Map.copyOf(next.servers());
    started.forEach(this::connect);
    added.forEach(this::upGauge);
    retired.forEach(u -> retire(u, before.get(u.key()).timeoutMs()));
    if (!retired.isEmpty()) { // what the retired upstreams offered is gone from the clients' lists
      server.listsChanged();
    }
    return new Changes(List.copyOf(added), removed, List.copyOf(restarted));
  }

  private Upstream upstream(String key, McpServerConfig s, McpConfig config) {
    // an openapi upstream bounds its own HTTP calls by timeout_ms; the session waits a little longer
    long timeout = s instanceof McpServerConfig.OpenApi ? s.timeoutMs() + 5_000 : s.timeoutMs();
    dev.portcullis.identity.credentials.UpstreamCredential cred = credentials.forUpstream(key);
    boolean perUser = cred != null && cred.perUser();
    // the shared session carries the static headers and a shared credential, never a user's
    dev.portcullis.mcp.upstream.HeaderSource shared = headerSource(s.headers(), perUser ? null : cred, null);
    Transport sharedTransport = transport(vertx, http, key, s, json, maxMessageBytes, shared,
        cred == null ? java.util.Set.of() : cred.headerNames());
    McpClient client = new McpClient(vertx, key, sharedTransport, timeout, VERSION);
    Upstream upstream = new Upstream(key, s.alias() == null ? key : s.alias(), client);
    String where = s instanceof McpServerConfig.OpenApi o ? o.baseUrl() : s instanceof McpServerConfig.Http h ? h.url()
        : s instanceof McpServerConfig.Sse e ? e.url() : null;
    try { // for traces (server.address, server.port)
      java.net.URI u = where == null ? null : java.net.URI.create(where);
      if (u != null && u.getHost() != null) {
        upstream.address(u.getHost(), u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80);
      }
    } catch (IllegalArgumentException ignored) {
      // the transport reports a bad URL itself
    }
    if (perUser) {
      upstream.perUser(new UserSessions(vertx, key, cred, user -> {
        dev.portcullis.mcp.upstream.HeaderSource h = withStatic(s.headers(), user);
        return sharedTransport instanceof dev.portcullis.mcp.openapi.OpenApiTransport o ? o.forUser(h)
            : transport(vertx, http, key, s, json, maxMessageBytes, h, cred.headerNames());
      }, timeout, config.sessionIdleSeconds() * 1000, config.maxSessions()));
    }
    return upstream;
  }

  private void connect(Upstream u) {
    u.pinning(pins);
    u.client().onNotification((method, params) -> server.upstreamNotification(u, method, params));
    if (u.userSessions() != null) {
      u.userSessions().onNotification((method, params) -> server.upstreamNotification(u, method, params));
    }
    u.client().onReady(() -> {
      u.invalidateAll();
      for (ItemKind k : ItemKind.values()) {
        server.changed(u, k);
      }
    });
    u.client().start(); // failures are logged and retried; calls to its tools fail clearly meanwhile
  }

  /** Closes an upstream no longer served once its calls in flight have answered (or timed out). */
  private void retire(Upstream u, long timeoutMs) {
    long start = System.nanoTime();
    long deadline = start + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMs + 1_000);
    vertx.setPeriodic(100, 100, t -> {
      long now = System.nanoTime();
      // a call that found this upstream just before the swap may still be on its way to it (its
      // audit record being committed, say): none in flight counts only after a grace period
      boolean settling = now - start < RETIRE_GRACE_NANOS;
      if ((settling || u.client().inFlight() > 0) && now < deadline) {
        return;
      }
      vertx.cancelTimer(t);
      close(u);
    });
  }

  private static final long RETIRE_GRACE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);

  private static List<Future<Void>> close(Upstream u) {
    List<Future<Void>> closing = new ArrayList<>();
    closing.add(u.client().close());
    if (u.userSessions() != null) {
      closing.addAll(u.userSessions().closeAll());
    }
    return closing;
  }

  /** The static headers of an upstream plus what its credential adds for the caller (null: none). */
  private static dev.portcullis.mcp.upstream.HeaderSource headerSource(Map<String, String> fixed,
      dev.portcullis.identity.credentials.UpstreamCredential cred, dev.portcullis.identity.Principal caller) {
    if (cred == null) {
      return dev.portcullis.mcp.upstream.HeaderSource.fixed(fixed);
    }
    return new dev.portcullis.mcp.upstream.HeaderSource() {
      @Override
      public Future<Map<String, String>> headers() {
        return cred.headers(caller).map(h -> merged(fixed, h));
      }

      @Override
      public boolean rejected() {
        return cred.rejected(caller);
      }
    };
  }

  /** A user's credential headers (from a per-user session) plus the upstream's static headers. */
  private static dev.portcullis.mcp.upstream.HeaderSource withStatic(Map<String, String> fixed,
      dev.portcullis.mcp.upstream.HeaderSource user) {
    if (fixed.isEmpty()) {
      return user;
    }
    return new dev.portcullis.mcp.upstream.HeaderSource() {
      @Override
      public Future<Map<String, String>> headers() {
        return user.headers().map(h -> merged(fixed, h));
      }

      @Override
      public boolean rejected() {
        return user.rejected();
      }
    };
  }

  private static Map<String, String> merged(Map<String, String> fixed, Map<String, String> credential) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    fixed.forEach((k, v) -> {
      if (credential.keySet().stream().noneMatch(k::equalsIgnoreCase)) {
        m.put(k, v);
      }
    });
    m.putAll(credential); // the credential wins over a static header of the same name
    return m;
  }

  private static Transport transport(Vertx vertx, HttpClient http, String key, McpServerConfig s, ObjectMapper json,
      long maxMessageBytes, dev.portcullis.mcp.upstream.HeaderSource headers, java.util.Set<String> credentialHeaders) {
    if (s instanceof McpServerConfig.Stdio c) {
      return new StdioTransport(key, c.command(), c.args(), c.env(), c.cwd(), json, maxMessageBytes);
    }
    if (s instanceof McpServerConfig.Http c) {
      return new StreamableHttpTransport(vertx, http, key, c.url(), headers, json, maxMessageBytes);
    }
    if (s instanceof McpServerConfig.Sse c) {
      return new dev.portcullis.mcp.upstream.SseTransport(vertx, http, key, c.url(), headers, json, maxMessageBytes);
    }
    if (s instanceof McpServerConfig.OpenApi c) {
      return new dev.portcullis.mcp.openapi.OpenApiTransport(vertx, http, key, c, json,
          c.auth() != null && !dev.portcullis.mcp.openapi.UpstreamAuth.handles(c.auth().type()) ? headers : null,
          credentialHeaders);
    }
    DemoMcpServer demo = new DemoMcpServer(); // McpServerConfig.Builtin, the last type
    return new BuiltinTransport(key, demo::handle);
  }

  public McpHttpEndpoint endpoint() {
    return endpoint;
  }

  /**
   * One request from inside the gateway (the tool loops of model requests), on the same path as a
   * client's request on {@code /mcp}: list filtering, policy, persona grants and limits, approvals,
   * guard, write-ahead audit, tracing and metrics all apply. Nothing else may call upstreams.
   */
  public Future<com.fasterxml.jackson.databind.JsonNode> governed(CallContext ctx, String method,
      com.fasterxml.jackson.databind.node.ObjectNode params) {
    return server.request(ctx, method, params);
  }

  /** Whether {@code name} is one of the virtual servers served now. */
  public boolean hasVirtualServer(String name) {
    return !name.isEmpty() && server.hasView(name);
  }

  /** Reads whichever upstream serves {@code key} now, so a reload's replacement is what it reports. */
  private void upGauge(String key) {
    metrics.mcpUpstream(key, () -> upstreams.stream()
        .anyMatch(u -> u.key().equals(key) && u.client().state() == McpClient.State.READY));
  }

  public ToolPins pins() {
    return pins;
  }

  /** The approvals queue of tool calls that policy holds for a human (the admin API's and the console's). */
  public dev.portcullis.policy.Approvals approvals() {
    return approvals;
  }

  /** The separator between an upstream's alias and its tool names on /mcp. */
  public String separator() {
    return separator;
  }

  public List<Upstream> upstreams() {
    return upstreams;
  }

  /** The virtual servers in force (each served at /mcp/{name}) by name, in configuration order. */
  public java.util.Map<String, dev.portcullis.config.McpConfig.VirtualServerConfig> virtualServers() {
    return server.aggregator().virtualServers();
  }

  /**
   * What an endpoint lists of one kind now: {@code ""} for /mcp, else a virtual server's name. It
   * is the view that answers clients' lists and routes their calls, built from the upstreams' caches.
   */
  public io.vertx.core.Future<List<Entry>> listed(String view, ItemKind kind) {
    return server.aggregator().view(view, kind).map(Aggregator.Merged::list);
  }

  public SessionRegistry sessions() {
    return sessions;
  }

  @Override
  public void close() {
    for (long t : timers) {
      vertx.cancelTimer(t);
    }
    sessions.closeAll();
    List<Future<Void>> closing = new ArrayList<>();
    for (Upstream u : upstreams) {
      closing.addAll(close(u));
    }
    try {
      Future.join(closing).toCompletionStage().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      // best effort: processes are terminated by their transports anyway
    }
    http.close();
  }
}
