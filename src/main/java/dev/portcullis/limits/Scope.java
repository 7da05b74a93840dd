package dev.portcullis.limits;

import java.util.function.Supplier;

/**
 * One limit a call counts against (a key's, a team's, a persona's, a user's or a tool's), as one
 * call holds it. A call {@link #reserve reserves} what it needs before it runs, then gives it back
 * in exactly one of two ways: {@link #settle} (it ran; charge what it really used) or
 * {@link #release} (it never ran, or another scope refused it). A {@link CompensationStack}
 * composes the scopes of one call and guarantees the "exactly one, exactly once".
 *
 * <p>{@link #release} gives back only what {@link #reserve} really took, so it is safe after a
 * reserve that refused or threw half-way. Both may throw; the stack runs every other scope's
 * give-back regardless.
 */
interface Scope {
  String KEY = BudgetLedger.KEY;
  String TEAM = BudgetLedger.TEAM;
  String PERSONA = BudgetLedger.PERSONA;
  String USER = "user";
  String TOOL = "tool";

  /**
   * Takes what the call needs here. Returns null when taken, or (lazily, so that it is built
   * after everything was given back and its rate headers show that) why not.
   */
  Supplier<Refusal> reserve(Need need, long now);

  /** The call ran: charges {@code tokens} and {@code costNanos}, ends what it held. */
  void settle(Unwinding u, long tokens, long costNanos, long now);

  /** The call did not run: gives back what {@link #reserve} took, as if it had never asked. */
  void release(Unwinding u);

  /**
   * Adds this scope's limits to a call's reservation in the cluster's shared counters (instead
   * of {@link #reserve}: with a cluster, the counters are shared and taken all at once).
   */
  void share(SharedPlan plan, Need need, long now);

  /** The x-ratelimit-* view of this scope's rate limits, or null when it has none. */
  default RateState rate() {
    return null;
  }

  /** What this scope's budget has left now ({@code Long.MAX_VALUE} without a budget). */
  default long budgetLeft(long now) {
    return Long.MAX_VALUE;
  }

  /** The budget amount this call reserved here (0: none). */
  default long reserved() {
    return 0;
  }
}
