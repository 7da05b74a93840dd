package dev.portcullis.limits;

import io.vertx.core.Future;
import java.util.List;

/**
 * Limit counters every replica of a cluster shares (Redis), so that N replicas give a key its
 * limits once, not N times. What the limits package asks of them: take what a call needs from
 * all its counters at once, or nothing ({@link #take}); later give back what the call did not
 * use ({@link #giveBack}). Each is at most one round trip; a backend may admit most calls without
 * one (Redis: on a slice of the counter it holds). One replica alone has {@link #NONE}, and its
 * limits count in memory as they always did.
 */
public interface SharedLimits {
  /** No cluster: limits count in this process. */
  SharedLimits NONE = new SharedLimits() {
    @Override
    public boolean enabled() {
      return false;
    }

    @Override
    public Future<Taken> take(List<Counter> counters) {
      return Future.failedFuture(new IllegalStateException("no shared limits"));
    }

    @Override
    public void giveBack(String member, List<GiveBack> returns) {
    }

    @Override
    public boolean failOpen() {
      return true;
    }

    @Override
    public void degraded() {
    }
  };

  /** What a counter is. */
  enum Type {
    /** Parallel requests: slots leased until a deadline the holding replica keeps renewing. */
    SLOTS,
    /** Requests or tokens in a sliding window of 60 one-second slots. */
    WINDOW,
    /** A budget period's spend plus the reservations in flight. */
    BUDGET
  }

  /**
   * One limit a call takes from.
   *
   * @param key the counter's name, unique within the gateway (the backend adds its own prefix)
   * @param limit slots, requests, tokens or nano-dollars the counter may hold
   * @param amount what the call takes (1 slot; 1 request; its tokens; its budget reservation)
   * @param base a budget's spend the store knows, where the shared counter starts when absent
   * @param expireAtMs when a budget counter's period ends and it may go (0: never)
   * @param recorded a budget's spend as the store records it now (blocking), asked instead of
   *     {@code base} when the shared counter is absent (it expired, or Redis lost its data); null:
   *     {@code base} is all there is
   */
  record Counter(Type type, String key, long limit, long amount, long base, long expireAtMs,
      java.util.function.LongSupplier recorded) {
    public Counter(Type type, String key, long limit, long amount, long base, long expireAtMs) {
      this(type, key, limit, amount, base, expireAtMs, null);
    }
  }

  /**
   * The answer to {@link #take}.
   *
   * @param member the call's name in the shared counters, for {@link #giveBack}
   * @param nowMs the shared clock when taken
   * @param refused the index of the counter that refused (then nothing was taken), or -1
   * @param values per counter (all taken) or for the refusing one only: slots held, the window's
   *     amount left (or sum when refused), the budget counter's value
   * @param waits per counter, ms until the window's oldest slot leaves (or, refused, until enough has)
   */
  record Taken(String member, long nowMs, int refused, long[] values, long[] waits) {
    /** A call with no shared counter to take from took nothing. */
    public static final Taken NOTHING = new Taken("", 0, -1, new long[0], new long[0]);
  }

  /**
   * What one counter gets back when the call ends.
   *
   * @param slot the window second the call took from (a {@link Type#WINDOW})
   * @param delta what to add: negative gives back, positive charges an overrun or a cost above the reservation
   */
  record GiveBack(Type type, String key, long slot, long delta) {}

  boolean enabled();

  /**
   * Takes every counter's amount, or none of them when one has no room, in one atomic step.
   * Fails when the shared state cannot be reached (then nothing was taken, or what was is freed
   * by its expiry). Completes on the caller's context.
   */
  Future<Taken> take(List<Counter> counters);

  /** Gives back or charges, in one step; never fails (a failure is logged and the counters expire). */
  void giveBack(String member, List<GiveBack> returns);

  /** Whether calls fall back to this replica's own limits while the shared ones are unreachable. */
  boolean failOpen();

  /** Says (logged and metered, throttled) that a call was admitted on local limits only. */
  void degraded();
}
