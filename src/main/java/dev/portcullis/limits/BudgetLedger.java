package dev.portcullis.limits;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Spent and reserved money per key, per team and per persona, in memory. Spent is tracked for every period
 * at once (day, week, month, total), like the store's spend table, so a budget whose period
 * changes keeps its history. Loaded from the store at start; a reservation is taken before a
 * call and settled with the real cost after it, so concurrent calls cannot together spend more
 * than the budget plus what the reservations under-estimated.
 */
public final class BudgetLedger {
  public static final String KEY = "key";
  public static final String TEAM = "team";
  public static final String PERSONA = "persona";

  /** The spend the store has recorded (its spend table). Blocking. */
  public interface RecordedSpend {
    /** What {@code scope} (key, team, persona) {@code subject} spent in the period that began at {@code periodStart}. */
    long spent(String scope, String subject, Period period, long periodStart);
  }

  /** Where a cluster's budget counters restart from when Redis lost them; null: nowhere but this ledger. */
  private final RecordedSpend recorded;
  private final ConcurrentHashMap<String, Account> keys = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Account> teams = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Account> personas = new ConcurrentHashMap<>();

  /** A ledger whose accounts know only what this process loaded and charged. */
  public BudgetLedger() {
    this(null);
  }

  /** @param recorded the store's spend, read when a replica must rebuild a shared budget counter */
  public BudgetLedger(RecordedSpend recorded) {
    this.recorded = recorded;
  }

  /** One subject's money; its methods lock only that subject. */
  public final class Account {
    private final long[] start = new long[Period.ALL.length];
    private final long[] spent = new long[Period.ALL.length];
    private long reserved;
    /** What the cluster's shared counter of one period held when last heard of (spend and reservations). */
    private Period sharedPeriod;
    private long sharedStart;
    private long sharedUsed;

    Account(long now) {
      for (Period p : Period.ALL) {
        start[p.ordinal()] = p.start(now);
      }
    }

    private void roll(long now) {
      long day = start[Period.DAY.ordinal()];
      if (now >= day && now - day < Period.DAY_MILLIS) {
        return; // every period starts at a midnight: none rolls within the day (and computing a month's start is not free)
      }
      for (int i = 0; i < 3; i++) { // DAY, WEEK, MONTH
        long s = Period.ALL[i].start(now);
        if (s != start[i]) {
          start[i] = s;
          spent[i] = 0;
        }
      }
    }

    /**
     * Reserves {@code amount} (not negative) if spent, reserved and it together stay within
     * {@code limit}. A sum that reaches the end of {@code long} is refused: it cannot be told
     * apart from a larger one.
     */
    synchronized boolean tryReserve(Period p, long limit, long amount, long now) {
      if (amount < 0) {
        throw new IllegalArgumentException("negative reservation " + amount);
      }
      roll(now);
      long total = Saturating.add(Saturating.add(spent[p.ordinal()], reserved), amount);
      if (total > limit || total == Long.MAX_VALUE) {
        return false;
      }
      reserved += amount;
      return true;
    }

    synchronized void release(long amount) {
      reserved = Math.max(0, reserved - amount);
    }

    /** Ends a reservation and charges {@code actual}; spend only ever grows (a negative cost charges nothing). */
    synchronized void settle(long reservedAmount, long actual, long now) {
      roll(now);
      reserved = Math.max(0, reserved - reservedAmount);
      long charge = Math.max(0, actual);
      for (int i = 0; i < spent.length; i++) {
        spent[i] = Saturating.add(spent[i], charge);
      }
    }

    synchronized void load(Period p, long periodStart, long amount, long now) {
      roll(now);
      if (start[p.ordinal()] == periodStart) {
        spent[p.ordinal()] = Math.max(0, amount);
      }
    }

    public synchronized long spent(Period p, long now) {
      roll(now);
      return spent[p.ordinal()];
    }

    public synchronized long reserved() {
      return reserved;
    }

    /** What the store recorded for this account in one period, as a blocking supplier; null with no store to ask. */
    java.util.function.LongSupplier recorded(String scope, String subject, Period p, long periodStart) {
      RecordedSpend r = recorded;
      return r == null ? null : () -> r.spent(scope, subject, p, periodStart);
    }

    /** Remembers what the shared counter of a period held (spend and reservations on every replica). */
    synchronized void sawShared(Period p, long periodStart, long used) {
      sharedPeriod = p;
      sharedStart = periodStart;
      sharedUsed = used;
    }

    /** What the shared counter of that period held when last heard of, or 0. */
    synchronized long seenShared(Period p, long periodStart) {
      return p == sharedPeriod && periodStart == sharedStart ? sharedUsed : 0;
    }
  }

  /** A row of the store's spend table, for {@link #load}. */
  public record SpendRow(String scope, String subjectId, Period period, long periodStart, long costNanos) {}

  public void load(Iterable<SpendRow> rows, long now) {
    for (SpendRow r : rows) {
      account(r.scope(), r.subjectId(), now).load(r.period(), r.periodStart(), r.costNanos(), now);
    }
  }

  public Account account(String scope, String id, long now) {
    ConcurrentHashMap<String, Account> m = map(scope);
    Account a = m.get(id);
    return a != null ? a : m.computeIfAbsent(id, x -> new Account(now));
  }

  /** The account if it exists, else null (no allocation). */
  public Account find(String scope, String id) {
    return map(scope).get(id);
  }

  private ConcurrentHashMap<String, Account> map(String scope) {
    return TEAM.equals(scope) ? teams : PERSONA.equals(scope) ? personas : keys;
  }
}
