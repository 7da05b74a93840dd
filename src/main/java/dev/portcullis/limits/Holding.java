package dev.portcullis.limits;

/**
 * What an admitted call holds in its scopes until it ends: in this process's counters
 * ({@link CompensationStack}) or in the cluster's shared ones ({@link SharedHolding}). It ends
 * exactly once, by {@link #settle} or {@link #release}; the second of the two does nothing.
 */
interface Holding {
  /** The call ran: charges what it used, frees its slots. */
  void settle(long tokens, long costNanos, long now);

  /** The call did not run: gives back everything it took. */
  void release();

  /** Per dimension, the tightest rate limits of the scopes held (for x-ratelimit-* headers), or null. */
  RateState rate();

  /** The largest budget reservation held: the most the call was allowed to cost. */
  long mostReserved();
}
