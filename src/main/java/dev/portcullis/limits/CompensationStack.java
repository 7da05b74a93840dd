package dev.portcullis.limits;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scopes one call holds, reserved in order and given back in reverse. If scope N refuses
 * or throws, scopes N..1 are released before the refusal is answered (or the exception
 * rethrown); an admitted call later settles (it ran) or releases (it did not) every scope, once:
 * whichever of the two comes first wins and the other, or a repeat, does nothing. Every scope's
 * give-back runs even when another's throws: a slot or reservation skipped because its neighbour
 * failed would leak until a restart, locking out everyone who shares it.
 *
 * <p>This is the local backend of "reserve all scopes of a call together": a shared backend does
 * the same reservation in one atomic round trip.
 */
final class CompensationStack implements Holding {
  private static final Logger LOG = LoggerFactory.getLogger(CompensationStack.class);

  private final List<Scope> held = new ArrayList<>();
  private boolean finished;

  /**
   * Reserves every scope in order. Returns null when all were taken, or the first refusal after
   * everything taken was given back. On an exception, everything taken is given back and the
   * exception rethrown (a failing give-back suppressed in it).
   */
  Refusal reserveAll(List<Scope> scopes, Need need, long now) {
    for (Scope s : scopes) {
      held.add(s); // before reserve: a scope that fails half-way gives back what it did take
      Supplier<Refusal> refused;
      try {
        refused = s.reserve(need, now);
      } catch (RuntimeException e) {
        try {
          release();
        } catch (RuntimeException r) {
          e.addSuppressed(r);
        }
        throw e;
      }
      if (refused != null) {
        try {
          release();
        } catch (RuntimeException r) {
          LOG.error("giving back a refused call's limits failed in part; every other part was given back", r);
        }
        return refused.get().orRate(rate());
      }
    }
    return null;
  }

  /** The call ran: settles every scope with what it used (newest first). Throws the first failure, after all ran. */
  @Override
  public void settle(long tokens, long costNanos, long now) {
    if (!finish()) {
      return;
    }
    Unwinding u = new Unwinding();
    for (int i = held.size() - 1; i >= 0; i--) {
      Scope s = held.get(i);
      u.run(() -> s.settle(u, tokens, costNanos, now));
    }
    u.finish();
  }

  /** The call did not run: gives back every scope (newest first). Throws the first failure, after all ran. */
  @Override
  public void release() {
    if (!finish()) {
      return;
    }
    Unwinding u = new Unwinding();
    for (int i = held.size() - 1; i >= 0; i--) {
      Scope s = held.get(i);
      u.run(() -> s.release(u));
    }
    u.finish();
  }

  /** True for the first settle or release only (a client abort may race the upstream's answer). */
  private synchronized boolean finish() {
    if (finished) {
      return false;
    }
    finished = true;
    return true;
  }

  @Override
  public RateState rate() {
    RateState r = null;
    for (Scope s : held) {
      r = tighter(r, s.rate());
    }
    return r;
  }

  @Override
  public long mostReserved() {
    long most = 0;
    for (Scope s : held) {
      most = Math.max(most, s.reserved());
    }
    return most;
  }

  /** Per dimension, the state with fewer requests (tokens) left; either may be null. */
  static RateState tighter(RateState a, RateState b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    boolean reqA = b.limitRequests() < 0 || a.limitRequests() >= 0 && a.remainingRequests() <= b.remainingRequests();
    boolean tokA = b.limitTokens() < 0 || a.limitTokens() >= 0 && a.remainingTokens() <= b.remainingTokens();
    RateState r = reqA ? a : b;
    RateState t = tokA ? a : b;
    return new RateState(r.limitRequests(), r.remainingRequests(), r.resetRequestsNanos(), t.limitTokens(),
        t.remainingTokens(), t.resetTokensNanos());
  }
}
