package dev.portcullis.cluster;

import dev.portcullis.config.ClusterConfig;
import dev.portcullis.limits.SharedLimits;
import dev.portcullis.telemetry.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's link to Redis: one small pool of command connections (session records, PUBLISH,
 * the health PING) and the one connection pub/sub needs for itself (SUBSCRIBE takes a
 * connection over). Health is both working: the subscriber connected and the last PING
 * answered. Whatever breaks, a timer every {@code reconnect_ms} pings and re-subscribes, so the
 * replica recovers on its own when Redis returns, and then tells its listeners to re-read
 * everything ({@link ChangeEvent.Kind#RESYNC}) because events published meanwhile were lost.
 */
public final class RedisCluster implements Cluster {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCluster.class);
  /** A command not answered in this time counts as Redis being unreachable. */
  static final long COMMAND_TIMEOUT_MS = 1_000;
  /**
   * A limits script not answered in this time fails its call (503, or local limits with fail:
   * open). Longer than the health PING's timeout: an unreachable Redis is found by the PING and
   * then fails calls at once; this only bounds the calls in flight, which a busy replica's event
   * loop may answer late.
   */
  static final long LIMITS_TIMEOUT_MS = 3_000;
  private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Vertx vertx;
  private final Redis redis;
  private final String channel;
  /** What every key and channel of this deployment starts with ({@code cluster.redis.channel}). */
  private final String namespace;
  private final String origin;
  private final boolean failOpen;
  private final GatewayMetrics metrics;
  private final RedisSessionStore sessions;
  private final PipelinedLink limitsLink;
  /** Give-backs and lease renewals: on their own connection, so admissions never queue behind them. */
  private final PipelinedLink settleLink;
  private final RedisLimits limits;
  private final RedisReplicaRequests replicas;
  private final long renewTimer;
  private final List<Consumer<ChangeEvent>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
  private final long timer;
  private volatile RedisConnection subscriber;
  private volatile boolean subscribing;
  private volatile boolean pinged;
  private volatile int missedPings;
  private volatile boolean wasHealthy;
  private volatile boolean closed;

  private RedisCluster(Vertx vertx, ClusterConfig config, GatewayMetrics metrics, long sessionTtlMs) {
    // a pool of command connections plus, held for good, the subscriber and the limits' pipelined link
    this.vertx = vertx;
    ClusterConfig.RedisConfig rc = config.redis();
    this.redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(rc.url()).setMaxPoolSize(8)
        .setMaxPoolWaiting(1024).setNetClientOptions(new NetClientOptions()
            .setConnectTimeout((int) COMMAND_TIMEOUT_MS).setTcpNoDelay(true).setTcpKeepAlive(true)));
    this.namespace = rc.channel();
    this.channel = ChangeEvent.channel(namespace);
    this.failOpen = config.failOpen();
    this.metrics = metrics;
    byte[] id = new byte[8];
    new SecureRandom().nextBytes(id);
    this.origin = HexFormat.of().formatHex(id);
    this.sessions = new RedisSessionStore(this::send, rc.channel() + ":mcp-session:", sessionTtlMs);
    this.limitsLink = new PipelinedLink(redis, LIMITS_TIMEOUT_MS);
    this.settleLink = new PipelinedLink(redis, LIMITS_TIMEOUT_MS);
    this.limits = new RedisLimits(limitsLink::send, settleLink::send, rc.channel() + ":limits:", origin, this::healthy, failOpen,
        () -> degraded("limits"), RedisLimits.SLOT_LEASE_MS);
    this.replicas = new RedisReplicaRequests(vertx, this::send, namespace, origin);
    metrics.clusterUp(this::healthy);
    this.timer = vertx.setPeriodic(rc.reconnectMs(), t -> check());
    this.renewTimer = limits.startRenewing(vertx);
  }

  /**
   * Connects to Redis and waits (at most a few seconds) for the first answer. A Redis that is
   * not there yet does not stop the start: the replica starts unready (or degraded, failing
   * open) and connects when Redis comes.
   *
   * @param sessionTtlMs how long an idle MCP session record lives
   */
  public static RedisCluster start(Vertx vertx, ClusterConfig config, GatewayMetrics metrics, long sessionTtlMs) {
    RedisCluster c = new RedisCluster(vertx, config, metrics, sessionTtlMs);
    try {
      c.check().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // reported by check(); the timer keeps trying
    }
    return c;
  }

  @Override
  public boolean healthy() {
    return subscriber != null && pinged && !closed;
  }

  @Override
  public boolean ready() {
    return failOpen || healthy();
  }

  @Override
  public boolean admits(String surface) {
    if (healthy()) {
      return true;
    }
    if (!failOpen) {
      return false;
    }
    degraded(surface);
    return true;
  }

  /** A governed request served on local state only (fail: open): metered, and warned about every 10 s at most. */
  private void degraded(String surface) {
    metrics.clusterDegraded(surface);
    long last = lastWarnNanos.get();
    long now = System.nanoTime();
    if (now - last >= WARN_INTERVAL_NANOS && lastWarnNanos.compareAndSet(last, now)) {
      LOG.atWarn().addKeyValue("surface", surface).log("Redis is unreachable: serving with fail: open on this"
          + " replica's local state (its own limits; changes made on other replicas arrive at the next store"
          + " refresh)");
    }
  }

  @Override
  public void publish(ChangeEvent.Kind kind) {
    emit(new ChangeEvent(kind, origin, null, null));
  }

  @Override
  public void toSession(ChangeEvent.Kind kind, String sessionId, String message) {
    emit(new ChangeEvent(kind, origin, sessionId, message));
  }

  private void emit(ChangeEvent e) {
    send(Request.cmd(Command.PUBLISH).arg(channel).arg(e.encode()))
        .onSuccess(r -> metrics.clusterEvent("published", e.kind().name().toLowerCase(java.util.Locale.ROOT)))
        .onFailure(err -> LOG.atWarn().addKeyValue("kind", e.kind()).addKeyValue("error", err.toString())
            .log("could not publish a change to the other replicas; they see it at their next store refresh"));
  }

  @Override
  public void onEvent(Consumer<ChangeEvent> listener) {
    listeners.add(listener);
  }

  @Override
  public SharedLimits limits() {
    return limits;
  }

  @Override
  public ReplicaRequests replicas() {
    return replicas;
  }

  @Override
  public SessionStore sessions() {
    return sessions;
  }

  @Override
  public ExpiringValues values(String space) {
    return new RedisValues(this::send, namespace + ":" + space + ":");
  }

  Future<Response> send(Request r) {
    return redis.send(r).timeout(COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  /** One health round: PING, and subscribe again if the subscriber is gone. */
  private Future<Void> check() {
    if (closed) {
      return Future.succeededFuture();
    }
    Future<Void> ping = send(Request.cmd(Command.PING)).transform(ar -> {
      // one PING late behind a busy event loop, or late while the limits' scripts are being
      // answered, is a slow replica, not a lost Redis: not a reason to refuse every request (a
      // lost connection is seen at once, by the subscriber's)
      missedPings = ar.succeeded() || limitsLink.answeredWithin(COMMAND_TIMEOUT_MS) ? 0 : missedPings + 1;
      pinged = missedPings < 2;
      return Future.succeededFuture();
    });
    Future<Void> sub = subscriber != null || subscribing ? Future.succeededFuture() : subscribe();
    // ready before the first call needs them
    Future<Void> link = Future.join(limitsLink.open(), settleLink.open()).<Void>mapEmpty().otherwiseEmpty();
    return Future.join(ping, sub, link).transform(ar -> {
      boolean now = healthy();
      if (now != wasHealthy) {
        wasHealthy = now;
        if (now) {
          LOG.info("Redis reachable: sharing MCP sessions and change events with the other replicas");
          deliver(new ChangeEvent(ChangeEvent.Kind.RESYNC, origin, null, null));
        } else {
          LOG.atWarn().addKeyValue("fail", failOpen ? ClusterConfig.FAIL_OPEN : ClusterConfig.FAIL_CLOSED)
              .log(failOpen ? "Redis unreachable: serving on local state (fail: open) until it returns"
                  : "Redis unreachable: refusing governed requests (fail: closed) until it returns");
        }
      }
      return Future.succeededFuture();
    });
  }

  private Future<Void> subscribe() {
    subscribing = true;
    return redis.connect().compose(conn -> {
      conn.handler(this::received);
      conn.exceptionHandler(e -> lost(conn));
      conn.endHandler(v -> lost(conn));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel).arg(replicas.channel())).timeout(COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .map(r -> {
            subscriber = conn;
            return (Void) null;
          }).onFailure(e -> conn.close());
    }).andThen(ar -> subscribing = false).otherwiseEmpty();
  }

  private void lost(RedisConnection conn) {
    if (subscriber == conn) {
      subscriber = null;
      pinged = false;
      conn.close();
      vertx.runOnContext(v -> check()); // says so now, not at the next tick
    }
  }

  /** A pub/sub push: ["message", channel, payload]. */
  private void received(Response r) {
    if (r == null || r.size() < 3 || !"message".equals(r.get(0).toString())) {
      return;
    }
    if (!channel.equals(r.get(1).toString())) {
      replicas.received(r.get(2).toString()); // this replica's own channel
      return;
    }
    ChangeEvent e = ChangeEvent.decode(r.get(2).toString());
    if (e == null || origin.equals(e.origin())) {
      return;
    }
    metrics.clusterEvent("received", e.kind().name().toLowerCase(java.util.Locale.ROOT));
    deliver(e);
  }

  private void deliver(ChangeEvent e) {
    for (Consumer<ChangeEvent> l : listeners) {
      try {
        l.accept(e);
      } catch (RuntimeException ex) {
        LOG.atWarn().setCause(ex).addKeyValue("kind", e.kind()).log("a change from another replica was not applied");
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    vertx.cancelTimer(timer);
    vertx.cancelTimer(renewTimer);
    replicas.close();
    limitsLink.close();
    settleLink.close();
    RedisConnection s = subscriber;
    if (s != null) {
      s.close();
    }
    redis.close();
  }
}
