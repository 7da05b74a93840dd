package dev.portcullis.llm;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses the deployment for the next attempt: never one that is cooling down, preferably one
 * not yet tried for this request, by weight or by fewest requests in flight.
 */
final class DeploymentPicker {
  private DeploymentPicker() {}

  /** Returns null when every deployment of the group is cooling down (the group is exhausted). */
  static Deployment pick(ModelGroup group, Set<Deployment> tried, long nowNanos) {
    Deployment chosen = pick(group, tried, nowNanos, true);
    return chosen != null ? chosen : pick(group, tried, nowNanos, false);
  }

  private static Deployment pick(ModelGroup group, Set<Deployment> tried, long nowNanos, boolean untriedOnly) {
    List<Deployment> all = group.deployments();
    if (group.strategy() == ModelGroup.Strategy.LEAST_BUSY) {
      Deployment best = null;
      int ties = 0;
      for (Deployment d : all) {
        if (!eligible(d, tried, nowNanos, untriedOnly)) {
          continue;
        }
        if (best == null || d.inFlight() < best.inFlight()) {
          best = d;
          ties = 1;
        } else if (d.inFlight() == best.inFlight() && ThreadLocalRandom.current().nextInt(++ties) == 0) {
          best = d; // reservoir sampling spreads ties evenly instead of always taking the first
        }
      }
      return best;
    }
    long totalWeight = 0;
    for (Deployment d : all) {
      if (eligible(d, tried, nowNanos, untriedOnly)) {
        totalWeight += d.config().weight();
      }
    }
    if (totalWeight == 0) {
      for (Deployment d : all) { // every eligible one has weight 0: treat them as equal
        if (eligible(d, tried, nowNanos, untriedOnly)) {
          return d;
        }
      }
      return null;
    }
    long r = ThreadLocalRandom.current().nextLong(totalWeight);
    for (Deployment d : all) {
      if (eligible(d, tried, nowNanos, untriedOnly)) {
        r -= d.config().weight();
        if (r < 0) {
          return d;
        }
      }
    }
    return null;
  }

  private static boolean eligible(Deployment d, Set<Deployment> tried, long nowNanos, boolean untriedOnly) {
    return !d.coolingDown(nowNanos) && !(untriedOnly && tried.contains(d));
  }
}
