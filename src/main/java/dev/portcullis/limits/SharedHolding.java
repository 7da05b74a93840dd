package dev.portcullis.limits;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an admitted call holds in the cluster's shared counters: ended by one round trip that
 * gives back what it did not use ({@link SharedLimits#giveBack}). Its cost is charged to this
 * replica's budget accounts too, which keep the replica's own view of spend (the budget gauges,
 * the base a fresh shared counter starts from, the limits of {@code fail: open}).
 */
final class SharedHolding implements Holding {
  private static final Logger LOG = LoggerFactory.getLogger(SharedHolding.class);

  private final SharedLimits shared;
  private final SharedPlan plan;
  private final SharedLimits.Taken taken;
  private final RateState rate;
  private boolean finished;

  SharedHolding(SharedLimits shared, SharedPlan plan, SharedLimits.Taken taken) {
    this.shared = shared;
    this.plan = plan;
    this.taken = taken;
    this.rate = plan.rate(taken);
  }

  @Override
  public void settle(long tokens, long costNanos, long now) {
    if (!finish()) {
      return;
    }
    shared.giveBack(taken.member(), plan.settled(slotSecond(), tokens, costNanos));
    for (BudgetScope b : plan.chargedHere()) {
      try {
        b.chargeHere(costNanos, now);
      } catch (RuntimeException e) {
        LOG.error("charging this replica's view of a budget failed; the shared counter was charged", e);
      }
    }
  }

  @Override
  public void release() {
    if (finish()) {
      shared.giveBack(taken.member(), plan.released(slotSecond()));
    }
  }

  private long slotSecond() {
    return taken.nowMs() / 1000;
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
    return rate;
  }

  @Override
  public long mostReserved() {
    return plan.mostReserved();
  }
}
