package dev.portcullis.limits;

import java.util.ArrayList;
import java.util.List;

/**
 * One call's scopes as counters of the cluster's {@link SharedLimits}: what to take from each
 * (asked for all at once), how a refusal of each reads, and what each gets back when the call
 * ends. Built by the scopes themselves ({@link Scope#share}), in the order they are reserved.
 */
final class SharedPlan {
  /** What a counter counts, which decides what the call gives back to it. */
  enum Role { PARALLEL, REQUESTS, TOKENS, BUDGET }

  /** How the refusal of one counter reads, from what the shared counter held when it refused. */
  interface Refuser {
    Refusal refusal(long value, long waitMs, long nowMs);
  }

  private record Seen(int index, java.util.function.LongConsumer value) {}

  private record Entry(SharedLimits.Counter counter, Role role, Refuser refuser) {}

  /** A rate scope's two windows, for the x-ratelimit-* headers (an index of -1: no such limit). */
  private record RateView(int requests, long rpm, int tokens, long tpm) {}

  private final List<Entry> entries = new ArrayList<>();
  private final List<RateView> rates = new ArrayList<>();
  private final List<BudgetScope> charged = new ArrayList<>();
  private final List<Seen> seen = new ArrayList<>();
  private Refusal refused;

  static SharedPlan of(List<Scope> scopes, Need need, long now) {
    SharedPlan plan = new SharedPlan();
    for (Scope s : scopes) {
      if (plan.refused != null) {
        break;
      }
      s.share(plan, need, now);
    }
    return plan;
  }

  /** Adds a counter; returns its index. */
  int add(SharedLimits.Type type, Role role, String key, long limit, long amount, long base, long expireAtMs,
      Refuser refuser) {
    return add(new SharedLimits.Counter(type, key, limit, amount, base, expireAtMs), role, refuser);
  }

  /** Adds a counter; returns its index. */
  int add(SharedLimits.Counter counter, Role role, Refuser refuser) {
    entries.add(new Entry(counter, role, refuser));
    return entries.size() - 1;
  }

  /** Tells {@code value} what counter {@code index} holds once the call was admitted. */
  void onTaken(int index, java.util.function.LongConsumer value) {
    seen.add(new Seen(index, value));
  }

  /** The call was admitted: tells the scopes that asked what their counters hold now. */
  void taken(SharedLimits.Taken t) {
    for (Seen s : seen) {
      s.value().accept(t.values()[s.index()]);
    }
  }

  /** A refusal known before asking (a request larger than a whole limit): nothing is asked. */
  void refuse(Refusal r) {
    refused = r;
  }

  void rateView(int requests, long rpm, int tokens, long tpm) {
    rates.add(new RateView(requests, rpm, tokens, tpm));
  }

  /** A budget account this replica charges too, for its own view of spend (gauges, fall-back). */
  void chargeHere(BudgetScope scope) {
    charged.add(scope);
  }

  Refusal refusedBeforeAsking() {
    return refused;
  }

  /** The counters to take from, in order (empty: none). */
  List<SharedLimits.Counter> counters() {
    List<SharedLimits.Counter> out = new ArrayList<>(entries.size());
    entries.forEach(e -> out.add(e.counter()));
    return out;
  }

  /** Why the counters refused the call. */
  Refusal refusal(SharedLimits.Taken t) {
    return entries.get(t.refused()).refuser().refusal(t.values()[0], t.waits()[0], t.nowMs());
  }

  /** Per dimension, the tightest rate limits after the call was admitted, or null when it has none. */
  RateState rate(SharedLimits.Taken t) {
    RateState r = null;
    for (RateView v : rates) {
      r = CompensationStack.tighter(r, new RateState(
          v.requests() < 0 ? -1 : v.rpm(), v.requests() < 0 ? -1 : Math.max(0, t.values()[v.requests()]),
          v.requests() < 0 ? -1 : t.waits()[v.requests()] * 1_000_000L,
          v.tokens() < 0 ? -1 : v.tpm(), v.tokens() < 0 ? -1 : Math.max(0, t.values()[v.tokens()]),
          v.tokens() < 0 ? -1 : t.waits()[v.tokens()] * 1_000_000L));
    }
    return r;
  }

  /** The largest budget reservation: the most the call was allowed to cost. */
  long mostReserved() {
    long most = 0;
    for (Entry e : entries) {
      if (e.role() == Role.BUDGET) {
        most = Math.max(most, e.counter().amount());
      }
    }
    return most;
  }

  /** The budget accounts to charge here as well. */
  List<BudgetScope> chargedHere() {
    return charged;
  }

  /**
   * What the counters get back from a call that ran: its parallel slots, the tokens reserved
   * beyond what it used (or the overrun, at most one window's limit), the budget reserved beyond
   * its cost (or the cost beyond the reservation). Its request stays counted.
   */
  List<SharedLimits.GiveBack> settled(long slotSecond, long tokens, long costNanos) {
    List<SharedLimits.GiveBack> out = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      SharedLimits.Counter c = e.counter();
      switch (e.role()) {
        case PARALLEL -> out.add(new SharedLimits.GiveBack(c.type(), c.key(), 0, 0));
        case REQUESTS -> { }
        case TOKENS -> {
          long delta = Math.max(0, tokens) - c.amount();
          if (delta != 0) {
            out.add(new SharedLimits.GiveBack(c.type(), c.key(), slotSecond, Math.min(delta, c.limit())));
          }
        }
        case BUDGET -> {
          long delta = Saturating.add(Math.max(0, costNanos), -c.amount());
          if (delta != 0) {
            out.add(new SharedLimits.GiveBack(c.type(), c.key(), 0, delta));
          }
        }
      }
    }
    return out;
  }

  /** What the counters get back from a call that never ran: everything it took. */
  List<SharedLimits.GiveBack> released(long slotSecond) {
    List<SharedLimits.GiveBack> out = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      SharedLimits.Counter c = e.counter();
      if (e.role() == Role.PARALLEL) {
        out.add(new SharedLimits.GiveBack(c.type(), c.key(), 0, 0));
      } else if (c.amount() > 0) {
        out.add(new SharedLimits.GiveBack(c.type(), c.key(), slotSecond, -c.amount()));
      }
    }
    return out;
  }
}
