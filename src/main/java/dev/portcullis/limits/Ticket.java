package dev.portcullis.limits;

import dev.portcullis.identity.Principal;

/**
 * An admitted call's reservation: what it holds in every scope it counts against, from admission
 * until it finishes. It ends exactly once: settled with what the call used (a model call through
 * {@link Accountant#completed(dev.portcullis.llm.CallSummary)}, an MCP request through
 * {@link Accountant#completed(Ticket, String, int, long)}), or {@link #release released} when the
 * call never ran. Whichever comes first wins; the other does nothing.
 */
public final class Ticket {
  final Principal principal;
  final Demand demand;
  final Need need;
  private final Holding held;
  private final RateState rate;
  /** Forgets the ticket where its settlement would look it up (a model call's request id). */
  private final Runnable forget;

  Ticket(Demand demand, Need need, Holding held, Runnable forget) {
    this.principal = demand.principal();
    this.demand = demand;
    this.need = need;
    this.held = held;
    this.rate = held.rate();
    this.forget = forget;
  }

  /** The rate limits after this admission (for x-ratelimit-* headers: the tightest of its scopes), or null. */
  public RateState rate() {
    return rate;
  }

  /** The call did not run (refused later, aborted before it left): gives back everything, charges nothing. */
  public void release() {
    try {
      held.release();
    } finally {
      forget.run();
    }
  }

  /** The prompt estimate, or -1 when no limit needed one. */
  long promptEstimate() {
    return need.promptEstimate();
  }

  /** The largest budget reservation held: the most the call was allowed to cost. */
  long mostReserved() {
    return held.mostReserved();
  }

  /** Settles a finished call: tokens with the real count, budgets with the real cost; frees the slots. */
  void settle(long actualTokens, long costNanos, long now) {
    held.settle(actualTokens, costNanos, now);
  }
}
