package dev.portcullis.cluster;

import dev.portcullis.limits.SharedLimits;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limits every replica shares, counted in Redis by Lua scripts: one script takes what a call
 * needs from all its counters or nothing ({@code limits-take.lua}), one gives back what it did not
 * use ({@code limits-give-back.lua}); one round trip each. Parallel slots are leases: this replica
 * renews the ones it holds every third of {@link #SLOT_LEASE_MS}, so a replica that dies frees its
 * slots one lease after its last renewal at the latest.
 */
final class RedisLimits implements SharedLimits {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLimits.class);
  /** How long a parallel slot lives without renewal. */
  static final long SLOT_LEASE_MS = 30_000;
  /** Slots renewed per script call: many, but not one unbounded command. */
  private static final int RENEW_BATCH = 512;

  private final Function<Request, Future<Response>> redis;
  private final String prefix;
  private final String origin;
  private final BooleanSupplier healthy;
  private final boolean failOpen;
  private final Runnable degraded;
  private final long leaseMs;
  private final Script take = Script.load("limits-take.lua");
  private final Script giveBack = Script.load("limits-give-back.lua");
  private final Script renew = Script.load("limits-renew.lua");
  private final AtomicLong calls = new AtomicLong();
  /** The parallel slots this replica holds: member to the slot sets it is in. */
  private final Map<String, List<String>> slots = new ConcurrentHashMap<>();

  /**
   * @param prefix put before every counter's name (the cluster's channel, so gateways can share a Redis)
   * @param origin this replica's id, part of every member name so that replicas never collide
   * @param healthy whether Redis is reachable now (while not, nothing is asked and the call fails at once)
   * @param degraded says that a call was admitted on local limits (logged, metered)
   */
  RedisLimits(Function<Request, Future<Response>> redis, String prefix, String origin, BooleanSupplier healthy,
      boolean failOpen, Runnable degraded, long leaseMs) {
    this.redis = redis;
    this.prefix = prefix;
    this.origin = origin;
    this.healthy = healthy;
    this.failOpen = failOpen;
    this.degraded = degraded;
    this.leaseMs = leaseMs;
  }

  /** Renews this replica's slots now and every third of a lease. */
  long startRenewing(Vertx vertx) {
    return vertx.setPeriodic(Math.max(1, leaseMs / 3), t -> renewAll());
  }

  @Override
  public boolean enabled() {
    return true;
  }

  @Override
  public boolean failOpen() {
    return failOpen;
  }

  @Override
  public void degraded() {
    degraded.run();
  }

  @Override
  public Future<Taken> take(List<Counter> counters) {
    if (!healthy.getAsBoolean()) {
      return Future.failedFuture(new IllegalStateException("Redis is unreachable"));
    }
    String member = origin + ":" + Long.toString(calls.incrementAndGet(), 36);
    List<String> keys = new ArrayList<>(counters.size());
    List<String> args = new ArrayList<>(2 + counters.size() * 5);
    args.add(member);
    args.add(Long.toString(leaseMs));
    List<String> slotKeys = new ArrayList<>(1);
    for (Counter c : counters) {
      String key = prefix + c.key();
      keys.add(key);
      if (c.type() == Type.SLOTS) {
        slotKeys.add(key);
      }
      args.add(code(c.type()));
      args.add(Long.toString(c.limit()));
      args.add(Long.toString(c.amount()));
      args.add(Long.toString(c.base()));
      args.add(Long.toString(c.expireAtMs()));
    }
    return onCallerContext(take.run(redis, keys, args).map(r -> {
      long now = r.get(1).toLong();
      if (r.get(0).toInteger() == 0) {
        return new Taken(member, now, r.get(2).toInteger() - 1, new long[] {r.get(3).toLong()},
            new long[] {r.get(4).toLong()});
      }
      long[] values = new long[counters.size()];
      long[] waits = new long[counters.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = r.get(2 + 2 * i).toLong();
        waits[i] = r.get(3 + 2 * i).toLong();
      }
      if (!slotKeys.isEmpty()) {
        slots.put(member, slotKeys);
      }
      return new Taken(member, now, -1, values, waits);
    }));
  }

  @Override
  public void giveBack(String member, List<GiveBack> returns) {
    slots.remove(member);
    if (returns.isEmpty()) {
      return;
    }
    List<String> keys = new ArrayList<>(returns.size());
    List<String> args = new ArrayList<>(1 + returns.size() * 3);
    args.add(member);
    for (GiveBack g : returns) {
      keys.add(prefix + g.key());
      args.add(code(g.type()));
      args.add(Long.toString(g.slot()));
      args.add(Long.toString(g.delta()));
    }
    giveBack.run(redis, keys, args).onFailure(e -> LOG.atWarn().addKeyValue("error", e.toString())
        .log("could not give a finished call's shared limits back to Redis: its parallel slot is freed when its"
            + " lease ends, its reservation when the window or period does"));
  }

  private void renewAll() {
    if (slots.isEmpty() || !healthy.getAsBoolean()) {
      return;
    }
    List<String> keys = new ArrayList<>();
    List<String> args = new ArrayList<>();
    args.add(Long.toString(leaseMs));
    for (Map.Entry<String, List<String>> e : slots.entrySet()) {
      for (String key : e.getValue()) {
        keys.add(key);
        args.add(e.getKey());
        if (keys.size() == RENEW_BATCH) {
          renewBatch(keys, args);
          keys = new ArrayList<>();
          args = new ArrayList<>();
          args.add(Long.toString(leaseMs));
        }
      }
    }
    if (!keys.isEmpty()) {
      renewBatch(keys, args);
    }
  }

  private void renewBatch(List<String> keys, List<String> args) {
    renew.run(redis, keys, args).onFailure(e -> LOG.atWarn().addKeyValue("error", e.toString())
        .log("could not renew this replica's parallel slots in Redis; retried in a third of a lease"));
  }

  private static String code(Type t) {
    return switch (t) {
      case SLOTS -> "S";
      case WINDOW -> "W";
      case BUDGET -> "B";
    };
  }

  /** The answer, handed over on the context that asked (the Redis client may answer on its own). */
  private static <T> Future<T> onCallerContext(Future<T> f) {
    Context caller = Vertx.currentContext();
    if (caller == null) {
      return f;
    }
    Promise<T> p = Promise.promise();
    f.onComplete(ar -> {
      if (Vertx.currentContext() == caller) {
        p.handle(ar);
      } else {
        caller.runOnContext(v -> p.handle(ar));
      }
    });
    return p.future();
  }

  /** A Lua script run by its SHA-1, sent in full only when Redis does not have it yet (after a restart). */
  record Script(String text, String sha) {
    static Script load(String name) {
      try (InputStream in = RedisLimits.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException("missing resource " + name);
        }
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return new Script(text, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
            .digest(text.getBytes(StandardCharsets.UTF_8))));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    Future<Response> run(Function<Request, Future<Response>> redis, List<String> keys, List<String> args) {
      return redis.apply(request(Command.EVALSHA, sha, keys, args)).recover(e -> e.getMessage() != null
          && e.getMessage().startsWith("NOSCRIPT") ? redis.apply(request(Command.EVAL, text, keys, args))
          : Future.failedFuture(e));
    }

    private static Request request(Command cmd, String script, List<String> keys, List<String> args) {
      Request r = Request.cmd(cmd).arg(script).arg(keys.size());
      keys.forEach(r::arg);
      args.forEach(r::arg);
      return r;
    }
  }
}
