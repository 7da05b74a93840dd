package dev.portcullis.cluster;

import dev.portcullis.limits.SharedLimits.Counter;
import dev.portcullis.limits.SharedLimits.GiveBack;
import dev.portcullis.limits.SharedLimits.Taken;
import dev.portcullis.limits.SharedLimits.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The slices of shared counters this replica holds for a moment, so that most calls are admitted
 * without a round trip to Redis. A slice (a lease) is taken in Redis like any amount, beside a
 * call that had to ask ({@code limits-take.lua} decides its size: only while the counter is at
 * most half full, at most a 64th of what is left), so no counter ever passes its limit through
 * leases; what a lease can do is hold back, while it lives, room another replica could have used.
 *
 * <p>A lease on a window lives until the end of the Redis second it was taken in (its units are
 * counted in that second's slot, as if all were used then: the window's own one-second
 * granularity); on a budget one second. Then, or when a call finds its counter's limit changed,
 * what is left goes back to Redis. Calls admitted on leases give back to the lease while it lives,
 * to Redis (the lease's slot) once it is gone. Parallel slots are never leased: a call that
 * counts one always asks Redis. One lock guards it all: a call takes from all its leases or from
 * none, and the work under it is a few map reads.
 */
final class LimitLeases {
  /** A calls' worth of a lease: what a replica asks for beside one call's amount. */
  static final long CALLS_PER_LEASE = 32;
  /** The largest lease asked for: Redis's Lua writes numbers with 14 significant digits. */
  private static final long MAX_LEASE = 1_000_000_000_000L;
  private static final long BUDGET_LEASE_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** One counter's slice held here. */
  private static final class Lease {
    /** The counter as the call that took the lease counted it (its limit then). */
    final Counter counter;
    final long slot;
    final long takenNanos;
    final long expiresNanos;
    final long valueAtGrant;
    final long waitAtGrant;
    long left;
    boolean retired;

    Lease(Counter counter, long slot, long granted, long takenNanos, long expiresNanos, long value, long wait) {
      this.counter = counter;
      this.slot = slot;
      this.left = granted;
      this.takenNanos = takenNanos;
      this.expiresNanos = expiresNanos;
      this.valueAtGrant = value;
      this.waitAtGrant = wait;
    }

    /** What goes back to Redis when it ends: the unused part (or the overrun charged to it). */
    GiveBack end() {
      retired = true;
      return new GiveBack(counter.type(), counter.key(), slot, -left);
    }
  }

  private final Map<String, Lease> held = new HashMap<>();
  /** Counters a call is asking Redis a lease for now: one ask at a time per counter. */
  private final Set<String> asking = new HashSet<>();
  /** The leases each call admitted here took from, for its give-back. */
  private final Map<String, Lease[]> calls = new ConcurrentHashMap<>();
  private final Consumer<List<GiveBack>> toRedis;

  /** @param toRedis sends give-backs to the shared counters (off the caller's path, never fails) */
  LimitLeases(Consumer<List<GiveBack>> toRedis) {
    this.toRedis = toRedis;
  }

  /**
   * Admits a call on the leases held here, or says that it must ask Redis (null): a counter it
   * counts has no live lease with room for its amount, under the limit the call counts against.
   */
  Taken take(String member, List<Counter> counters) {
    long now = System.nanoTime();
    List<GiveBack> ended = null;
    Taken taken;
    synchronized (this) {
      Lease[] used = new Lease[counters.size()];
      for (int i = 0; i < used.length; i++) {
        Counter c = counters.get(i);
        Lease l = c.type() == Type.SLOTS ? null : held.get(c.key());
        if (l != null && (now - l.expiresNanos >= 0 || l.counter.limit() != c.limit())) {
          held.remove(c.key());
          ended = add(ended, l.end());
          l = null;
        }
        if (l == null || l.left < c.amount()) {
          used = null;
          break;
        }
        used[i] = l;
      }
      if (used == null) {
        taken = null;
      } else {
        long[] values = new long[used.length];
        long[] waits = new long[used.length];
        for (int i = 0; i < used.length; i++) {
          Lease l = used[i];
          l.left -= counters.get(i).amount();
          // the counter as a Redis take would have shown it, this replica's unused lease not counted as used
          boolean window = l.counter.type() == Type.WINDOW;
          values[i] = window ? l.valueAtGrant + l.left : l.valueAtGrant - l.left;
          waits[i] = window
              ? Math.max(1, l.waitAtGrant - TimeUnit.NANOSECONDS.toMillis(now - l.takenNanos)) : 0;
        }
        calls.put(member, used);
        taken = new Taken(member, System.currentTimeMillis(), -1, values, waits);
      }
    }
    if (ended != null) {
      toRedis.accept(ended);
    }
    return taken;
  }

  /** Per counter, the lease to ask for beside the call's amount (0: none), marking those asked. */
  synchronized long[] wants(List<Counter> counters) {
    long[] wants = new long[counters.size()];
    for (int i = 0; i < wants.length; i++) {
      Counter c = counters.get(i);
      if (c.type() != Type.SLOTS && asking.add(c.key())) {
        wants[i] = c.amount() > MAX_LEASE / CALLS_PER_LEASE ? MAX_LEASE : Math.max(1, c.amount() * CALLS_PER_LEASE);
      }
    }
    return wants;
  }

  /** Ends the asks of a call that Redis refused, or that failed: another call may ask now. */
  synchronized void notGranted(List<Counter> counters, long[] wants) {
    for (int i = 0; i < wants.length; i++) {
      if (wants[i] != 0) {
        asking.remove(counters.get(i).key());
      }
    }
  }

  /**
   * Keeps the leases Redis granted beside an admitted call (replacing, and giving back, older
   * ones on the same counters), and ends its asks.
   *
   * @param sentNanos when the call was sent: a window lease ends before Redis's second does
   * @param nowMs Redis's clock when it took
   */
  void granted(List<Counter> counters, long[] wants, long[] granted, long[] values, long[] waits, long nowMs,
      long sentNanos) {
    List<GiveBack> ended = null;
    synchronized (this) {
      for (int i = 0; i < wants.length; i++) {
        if (wants[i] == 0) {
          continue;
        }
        Counter c = counters.get(i);
        asking.remove(c.key());
        if (granted[i] <= 0) {
          continue;
        }
        long life = c.type() == Type.WINDOW ? TimeUnit.MILLISECONDS.toNanos(1000 - nowMs % 1000) : BUDGET_LEASE_NANOS;
        Lease l = new Lease(c, nowMs / 1000, granted[i], sentNanos, sentNanos + life, values[i], waits[i]);
        Lease old = held.put(c.key(), l);
        if (old != null) {
          ended = add(ended, old.end());
        }
      }
    }
    if (ended != null) {
      toRedis.accept(ended);
    }
  }

  /**
   * Gives back what a call admitted here did not use: to its leases while they live, to Redis
   * once they are gone. Returns false for a call that was not admitted here.
   */
  boolean giveBack(String member, List<GiveBack> returns) {
    Lease[] used = calls.remove(member);
    if (used == null) {
      return false;
    }
    List<GiveBack> late = null;
    synchronized (this) {
      for (GiveBack g : returns) {
        Lease l = leaseOf(used, g.key());
        if (l == null) {
          continue;
        }
        if (l.retired) {
          late = add(late, new GiveBack(g.type(), g.key(), l.slot, g.delta()));
        } else {
          l.left -= g.delta();
        }
      }
    }
    if (late != null) {
      toRedis.accept(late);
    }
    return true;
  }

  private static Lease leaseOf(Lease[] used, String key) {
    for (Lease l : used) {
      if (l.counter.key().equals(key)) {
        return l;
      }
    }
    return null;
  }

  /** Ends the leases whose time is up, giving back what is left of them. */
  void endExpired() {
    long now = System.nanoTime();
    List<GiveBack> ended = null;
    synchronized (this) {
      var it = held.values().iterator();
      while (it.hasNext()) {
        Lease l = it.next();
        if (now - l.expiresNanos >= 0) {
          it.remove();
          ended = add(ended, l.end());
        }
      }
    }
    if (ended != null) {
      toRedis.accept(ended);
    }
  }

  private static List<GiveBack> add(List<GiveBack> list, GiveBack g) {
    if (g.delta() == 0) {
      return list;
    }
    List<GiveBack> out = list == null ? new ArrayList<>(2) : list;
    out.add(g);
    return out;
  }
}
