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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limits every replica shares, counted in Redis by Lua scripts: one script takes what a call
 * needs from all its counters or nothing ({@code limits-take.lua}), one gives back what it did not
 * use ({@code limits-give-back.lua}); one round trip each, and most calls of busy keys need
 * neither: a call that asks Redis also asks for a slice of each counter, and the calls after it
 * are admitted on the slices this replica holds ({@link LimitLeases}) until they run out or their
 * second ends. Parallel slots are leases of another kind: this replica renews the ones it holds
 * every third of {@link #SLOT_LEASE_MS}, so a replica that dies frees its slots one lease after
 * its last renewal at the latest.
 *
 * <p>A budget counter that is absent (a new period, or Redis lost its data: a restart without
 * persistence, a FLUSHALL) is rebuilt from the spend the store has recorded, the durable truth,
 * not from this replica's view, plus the reservations this replica's calls in flight hold on it
 * (re-taken, since they will settle against it): the script reports the counter absent, this
 * replica reads the store on a worker thread and takes again with that base.
 */
final class RedisLimits implements SharedLimits {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLimits.class);
  /** How long a parallel slot lives without renewal. */
  static final long SLOT_LEASE_MS = 30_000;
  /** How often the leases' time is checked: what is left of one goes back within this of its end. */
  private static final long LEASE_TICK_MS = 100;
  /** Slots renewed per script call: many, but not one unbounded command. */
  private static final int RENEW_BATCH = 512;

  private final Function<Request, Future<Response>> redis;
  private final Function<Request, Future<Response>> settling;
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
  /** Slices of the counters held here: most calls are admitted on them, without asking Redis. */
  private final LimitLeases leases;
  private long lastRenewNanos = System.nanoTime();
  /** The parallel slots this replica holds: member to the slot sets it is in. */
  private final Map<String, List<String>> slots = new ConcurrentHashMap<>();
  /** The budget reservations of this replica's calls in flight: member to its budget counters. */
  private final Map<String, List<Counter>> reservations = new ConcurrentHashMap<>();
  /** Their sum per budget counter, re-taken when a counter is rebuilt. */
  private final Map<String, Long> reservedHere = new ConcurrentHashMap<>();

  /**
   * @param redis where admissions go (the take script)
   * @param settling where give-backs and lease renewals go: another connection, so that a burst of
   *     settlements never delays an admission behind it on a pipelined link
   * @param prefix put before every counter's name (the cluster's channel, so gateways can share a Redis)
   * @param origin this replica's id, part of every member name so that replicas never collide
   * @param healthy whether Redis is reachable now (while not, nothing is asked and the call fails at once)
   * @param degraded says that a call was admitted on local limits (logged, metered)
   */
  RedisLimits(Function<Request, Future<Response>> redis, Function<Request, Future<Response>> settling, String prefix,
      String origin, BooleanSupplier healthy, boolean failOpen, Runnable degraded, long leaseMs) {
    this.redis = redis;
    this.settling = settling;
    this.prefix = prefix;
    this.origin = origin;
    this.healthy = healthy;
    this.failOpen = failOpen;
    this.degraded = degraded;
    this.leaseMs = leaseMs;
    this.leases = new LimitLeases(returns -> send(origin + ":leases", returns));
  }

  /**
   * Every tick: gives back what is left of the counters' leases whose time is up, and, every
   * third of a slot lease, renews this replica's parallel slots.
   */
  long startRenewing(Vertx vertx) {
    return vertx.setPeriodic(Math.min(LEASE_TICK_MS, Math.max(1, leaseMs / 3)), t -> {
      leases.endExpired();
      long now = System.nanoTime();
      if (now - lastRenewNanos >= TimeUnit.MILLISECONDS.toNanos(leaseMs / 3)) {
        lastRenewNanos = now;
        renewAll();
      }
    });
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
    Taken here = leases.take(member, counters);
    if (here != null) {
      holdReservations(member, counters);
      return Future.succeededFuture(here);
    }
    long[] wants = leases.wants(counters);
    long sent = System.nanoTime();
    return onCallerContext(take(member, counters, null, wants, sent)
        .onFailure(e -> leases.notGranted(counters, wants)));
  }

  /**
   * @param bases budget counters' bases read from the store, by index (-1: not read), or null
   * @param wants per counter, the lease asked for beside the call's amount
   */
  private Future<Taken> take(String member, List<Counter> counters, long[] bases, long[] wants, long sent) {
    return take.run(redis, (cmd, script) -> takeRequest(cmd, script, member, counters, bases, wants)).compose(r -> {
      long now = r.get(1).toLong();
      int status = r.get(0).toInteger();
      if (status == 2) {
        int i = r.get(2).toInteger() - 1;
        return recorded(counters.get(i)).compose(base -> {
          long[] next = bases != null ? bases : filled(counters.size());
          next[i] = base;
          return take(member, counters, next, wants, sent);
        });
      }
      if (status == 0) {
        leases.notGranted(counters, wants);
        return Future.succeededFuture(new Taken(member, now, r.get(2).toInteger() - 1,
            new long[] {r.get(3).toLong()}, new long[] {r.get(4).toLong()}));
      }
      long[] values = new long[counters.size()];
      long[] waits = new long[counters.size()];
      long[] granted = new long[counters.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = r.get(2 + 3 * i).toLong();
        waits[i] = r.get(3 + 3 * i).toLong();
        granted[i] = r.get(4 + 3 * i).toLong();
      }
      leases.granted(counters, wants, granted, values, waits, now, sent);
      holdSlots(member, counters);
      holdReservations(member, counters);
      return Future.succeededFuture(new Taken(member, now, -1, values, waits));
    });
  }

  /**
   * The take script's request, written straight into the command (numbers as numbers): no lists
   * of argument strings on the path every governed call takes.
   */
  private Request takeRequest(Command cmd, String script, String member, List<Counter> counters, long[] bases,
      long[] wants) {
    Request r = Request.cmd(cmd).arg(script).arg(counters.size());
    for (Counter c : counters) {
      r.arg(prefix + c.key());
    }
    r.arg(member).arg(leaseMs);
    for (int i = 0; i < counters.size(); i++) {
      Counter c = counters.get(i);
      r.arg(code(c.type())).arg(c.limit()).arg(c.amount())
          .arg(bases != null && bases[i] >= 0 ? bases[i] : c.recorded() != null ? -1 : c.base())
          .arg(c.expireAtMs()).arg(wants[i]);
    }
    return r;
  }

  /** Remembers the parallel slots a call holds, to renew their leases while it runs. */
  private void holdSlots(String member, List<Counter> counters) {
    List<String> keys = null;
    for (Counter c : counters) {
      if (c.type() == Type.SLOTS) {
        if (keys == null) {
          keys = new ArrayList<>(1);
        }
        keys.add(prefix + c.key());
      }
    }
    if (keys != null) {
      slots.put(member, keys);
    }
  }

  private static long[] filled(int n) {
    long[] a = new long[n];
    java.util.Arrays.fill(a, -1);
    return a;
  }

  /** Where an absent budget counter restarts: the store's recorded spend plus this replica's reservations in flight. */
  private Future<Long> recorded(Counter c) {
    long here = reservedHere.getOrDefault(c.key(), 0L);
    Context ctx = Vertx.currentContext();
    if (ctx == null) {
      return Future.succeededFuture(c.recorded().getAsLong() + here);
    }
    return ctx.executeBlocking(() -> c.recorded().getAsLong() + here, false);
  }

  private void holdReservations(String member, List<Counter> counters) {
    List<Counter> held = null;
    for (Counter c : counters) {
      if (c.type() == Type.BUDGET && c.amount() > 0) {
        if (held == null) {
          held = new ArrayList<>(2);
        }
        held.add(c);
        reservedHere.merge(c.key(), c.amount(), Long::sum);
      }
    }
    if (held != null) {
      reservations.put(member, held);
    }
  }

  private void endReservations(String member) {
    List<Counter> held = reservations.remove(member);
    if (held != null) {
      for (Counter c : held) {
        reservedHere.computeIfPresent(c.key(), (k, v) -> v - c.amount() <= 0 ? null : v - c.amount());
      }
    }
  }

  @Override
  public void giveBack(String member, List<GiveBack> returns) {
    slots.remove(member);
    endReservations(member);
    if (!leases.giveBack(member, returns)) {
      send(member, returns);
    }
  }

  /** Gives back to Redis, off the admissions' connection. */
  private void send(String member, List<GiveBack> returns) {
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
    giveBack.run(settling, keys, args).onFailure(e -> LOG.atWarn().addKeyValue("error", e.toString())
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
    renew.run(settling, keys, args).onFailure(e -> LOG.atWarn().addKeyValue("error", e.toString())
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
      return run(redis, (cmd, script) -> {
        Request r = Request.cmd(cmd).arg(script).arg(keys.size());
        keys.forEach(r::arg);
        args.forEach(r::arg);
        return r;
      });
    }

    /** @param request builds the request for EVALSHA with the digest, or EVAL with the text */
    Future<Response> run(Function<Request, Future<Response>> redis,
        java.util.function.BiFunction<Command, String, Request> request) {
      return redis.apply(request.apply(Command.EVALSHA, sha)).recover(e -> e.getMessage() != null
          && e.getMessage().startsWith("NOSCRIPT") ? redis.apply(request.apply(Command.EVAL, text))
          : Future.failedFuture(e));
    }
  }
}
