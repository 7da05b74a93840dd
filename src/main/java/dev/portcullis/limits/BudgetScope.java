package dev.portcullis.limits;

import java.util.function.Supplier;

/**
 * A call's hold on one budget account (a key's, a team's or a persona's). Every call is charged
 * to the account, budget or not (spend is reported either way); with a budget, the call first
 * reserves what it may cost and is refused when that does not fit, and a spent-out budget
 * refuses even a call that costs nothing.
 */
final class BudgetScope implements Scope {
  private final BudgetLedger.Account account;
  private final String kind;
  private final String subject;
  /** How refusals name it: "API key", "team 'eng'". */
  private final String who;
  /** The budget, or null for an account that is only charged. */
  private final Long limit;
  private final Period period;
  /** How long a shared budget counter outlives its period (a call settling just after the end still finds it). */
  private static final long EXPIRY_GRACE_MS = 24 * 60 * 60 * 1000L;
  private long amount;

  BudgetScope(BudgetLedger.Account account, String kind, String subject, String who, Long limit, String period) {
    this.account = account;
    this.kind = kind;
    this.subject = subject;
    this.who = who;
    this.limit = limit;
    this.period = period(period);
  }

  @Override
  public Supplier<Refusal> reserve(Need need, long now) {
    if (limit == null) {
      return null;
    }
    long wanted = need.budget();
    if ((wanted == 0 && left(now) == 0) || !account.tryReserve(period, limit, wanted, now)) {
      return () -> {
      String reserved = account.reserved() > 0 ? " ($" + usd(account.reserved()) + " is reserved by requests in flight)"
          : "";
      return refusal(need, wanted, now, left(now), reserved);
    };
    }
    amount = wanted;
    return null;
  }

  @Override
  public void share(SharedPlan plan, Need need, long now) {
    plan.chargeHere(this);
    if (limit == null) {
      return;
    }
    long wanted = need.budget();
    long start = period.start(now);
    // keyed by the period's start: the counter of a period that ended expires by itself
    long expireAt = period == Period.TOTAL ? 0 : Saturating.add(period.end(start), EXPIRY_GRACE_MS);
    SharedLimits.Counter counter = new SharedLimits.Counter(SharedLimits.Type.BUDGET, "budget:" + kind + ":"
        + period.id() + ":" + start + ":" + subject, limit, wanted, account.spent(period, now), expireAt,
        account.recorded(kind, subject, period, start));
    int index = plan.add(counter, SharedPlan.Role.BUDGET, (used, wait, at) -> {
          account.sawShared(period, start, used);
          return refusal(need, wanted, at, used >= limit ? 0 : limit - used,
              " (spend and requests in flight on every replica counted)");
        });
    plan.onTaken(index, used -> account.sawShared(period, start, used));
  }

  /** Charges this replica's view of the account (the shared counter was charged by the call's settlement). */
  void chargeHere(long costNanos, long now) {
    account.settle(0, costNanos, now);
  }

  @Override
  public void settle(Unwinding u, long tokens, long costNanos, long now) {
    u.run(() -> account.settle(amount, costNanos, now));
  }

  @Override
  public void release(Unwinding u) {
    if (amount != 0) {
      u.run(() -> account.release(amount));
    }
  }

  @Override
  public long budgetLeft(long now) {
    return limit == null ? Long.MAX_VALUE : left(now);
  }

  @Override
  public long reserved() {
    return amount;
  }

  /**
   * The budget less what it spent this period and what is reserved, never below zero; with a
   * cluster, less what the shared counter last said when that is more.
   */
  private long left(long now) {
    long used = Math.max(Saturating.add(account.spent(period, now), account.reserved()),
        account.seenShared(period, period.start(now)));
    return used >= limit ? 0 : limit - used;
  }

  /** @param reserved what the remaining amount already counts, for the message */
  private Refusal refusal(Need need, long wanted, long now, long left, String reserved) {
    long end = period.end(period.start(now));
    String per = period == Period.TOTAL ? "" : " per " + period.id();
    return new Refusal(kind(), "Budget exceeded for " + who + ": $" + usd(limit) + per + "; this request needs $"
        + usd(wanted) + " reserved for " + need.pays() + "; $" + usd(left) + " remains" + reserved
        + (period == Period.TOTAL ? "." : "; it renews at the start of the next " + period.id() + " (UTC)."),
        period == Period.TOTAL ? -1 : (end - now) * 1_000_000L, null).in(kind, subject);
  }

  private Refusal.Kind kind() {
    return switch (kind) {
      case KEY -> Refusal.Kind.KEY_BUDGET;
      case TEAM -> Refusal.Kind.TEAM_BUDGET;
      default -> Refusal.Kind.PERSONA_BUDGET;
    };
  }

  static Period period(String s) {
    Period p = Period.parse(s);
    return p == null ? Period.TOTAL : p;
  }

  static String usd(long nanos) {
    return java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
  }
}
