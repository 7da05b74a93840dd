package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.identity.Globs;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The small pieces: globs, periods, the ledger's reserve and settle arithmetic. */
class LimitsUnitTest {
  @Test
  void globsMatchModelNames() {
    assertThat(Globs.matches("gpt-*", "gpt-4o-mini")).isTrue();
    assertThat(Globs.matches("gpt-*", "demo")).isFalse();
    assertThat(Globs.matches("o?-mini", "o3-mini")).isTrue();
    assertThat(Globs.matches("*", "anything")).isTrue();
    assertThat(Globs.matches("claude-*-sonnet*", "claude-3-5-sonnet-20241022")).isTrue();
    assertThat(Globs.matches("demo", "demo-1")).isFalse();
  }

  @Test
  void periodsStartAtUtcBoundaries() {
    long t = Instant.parse("2025-03-13T15:04:05Z").toEpochMilli(); // a Thursday
    assertThat(Instant.ofEpochMilli(Period.DAY.start(t))).isEqualTo("2025-03-13T00:00:00Z");
    assertThat(Instant.ofEpochMilli(Period.WEEK.start(t))).isEqualTo("2025-03-10T00:00:00Z");
    assertThat(Instant.ofEpochMilli(Period.MONTH.start(t))).isEqualTo("2025-03-01T00:00:00Z");
    assertThat(Instant.ofEpochMilli(Period.MONTH.end(Period.MONTH.start(t)))).isEqualTo("2025-04-01T00:00:00Z");
    assertThat(Period.TOTAL.start(t)).isZero();
    assertThat(Period.parse("monthly")).isEqualTo(Period.MONTH);
  }

  /** The day arithmetic agrees with the calendar: random instants, the last and first millisecond of periods, before 1970. */
  @Test
  void periodBoundariesAgreeWithTheCalendar() {
    java.util.Random r = new java.util.Random(7);
    java.util.List<Long> instants = new java.util.ArrayList<>(java.util.List.of(0L, -1L, 1L,
        Instant.parse("2024-02-29T23:59:59.999Z").toEpochMilli(), Instant.parse("2024-03-01T00:00:00Z").toEpochMilli(),
        Instant.parse("2026-12-27T23:59:59.999Z").toEpochMilli(), Instant.parse("2026-12-28T00:00:00Z").toEpochMilli(),
        Instant.parse("1969-12-29T00:00:00Z").toEpochMilli(), Instant.parse("1969-12-28T23:59:59.999Z").toEpochMilli()));
    for (int i = 0; i < 20_000; i++) {
      instants.add(r.nextLong() % 8_000_000_000_000L); // about 1716 to 2223
    }
    for (long t : instants) {
      java.time.LocalDate d = Instant.ofEpochMilli(t).atZone(java.time.ZoneOffset.UTC).toLocalDate();
      java.time.LocalDate week = d.with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY));
      assertThat(Period.DAY.start(t)).as("day of %d", t).isEqualTo(millis(d));
      assertThat(Period.WEEK.start(t)).as("week of %d", t).isEqualTo(millis(week));
      assertThat(Period.MONTH.start(t)).as("month of %d", t).isEqualTo(millis(d.withDayOfMonth(1)));
      assertThat(Period.DAY.end(Period.DAY.start(t))).isEqualTo(millis(d.plusDays(1)));
      assertThat(Period.WEEK.end(Period.WEEK.start(t))).isEqualTo(millis(week.plusWeeks(1)));
      assertThat(Period.MONTH.end(Period.MONTH.start(t))).isEqualTo(millis(d.withDayOfMonth(1).plusMonths(1)));
    }
  }

  private static long millis(java.time.LocalDate d) {
    return d.atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  @Test
  void reservationsHoldBudgetUntilSettled() {
    long now = System.currentTimeMillis();
    BudgetLedger ledger = new BudgetLedger();
    BudgetLedger.Account a = ledger.account(BudgetLedger.KEY, "k", now);
    assertThat(a.tryReserve(Period.MONTH, 100, 60, now)).isTrue();
    assertThat(a.tryReserve(Period.MONTH, 100, 60, now)).isFalse(); // 60 reserved + 60 > 100
    a.settle(60, 25, now);
    assertThat(a.spent(Period.MONTH, now)).isEqualTo(25);
    assertThat(a.reserved()).isZero();
    assertThat(a.tryReserve(Period.MONTH, 100, 60, now)).isTrue();
    assertThat(a.tryReserve(Period.DAY, 100, 20, now)).isFalse(); // 25 spent + 60 + 20 > 100
  }

  @Test
  void limitsAboveTheBucketRateAreAcceptedAndNeverBind() {
    KeyLimiter huge = new KeyLimiter(Integer.MAX_VALUE, 100_000_000_000L, null);
    assertThat(huge.takeTokens(1_000_000)).isEqualTo(-1);
    assertThat(huge.takeRequest()).isEqualTo(-1);
  }

  @Test
  void cacheReadsAndWritesArePricedApart() {
    // Per million: input 3, cache read 0.30, cache write 3.75, output 15 (Anthropic's shape).
    PriceTable.Price p = PriceTable.Price.perMillion(3, 0.30, 3.75, 15, PriceTable.DEFAULT_MAX_OUTPUT_TOKENS);
    // 1000 prompt tokens: 600 read from cache, 300 written to it, 100 plain; 10 completion tokens.
    long cost = p.cost(new dev.portcullis.llm.Usage(1000, 10, 600, 0, false, 300));
    long expected = Math.round(100 * 3000 + 600 * 300 + 300 * 3750 + 10 * 15000.0);
    assertThat(cost).isEqualTo(expected);
    assertThat(p.bound(1000, 10)).as("admission assumes the dearest prompt rate").isEqualTo(1000 * 3750 + 10 * 15000);
  }

  /** Spend rolls at each period's first millisecond, and only there; a clock set back rolls back too. */
  @Test
  void anAccountsSpendRollsAtPeriodStarts() {
    BudgetLedger.Account a = new BudgetLedger().account(BudgetLedger.KEY, "k", at("2026-01-30T23:59:59.999Z"));
    a.settle(0, 5, at("2026-01-30T23:59:59.999Z")); // a Friday
    assertThat(spent(a, "2026-01-31T00:00:00Z")).containsExactly(0L, 5L, 5L, 5L);
    a.settle(0, 7, at("2026-01-31T12:00:00Z"));
    assertThat(spent(a, "2026-01-31T23:59:59.999Z")).containsExactly(7L, 12L, 12L, 12L);
    assertThat(spent(a, "2026-02-01T00:00:00Z")).containsExactly(0L, 12L, 0L, 12L);
    assertThat(spent(a, "2026-02-02T00:00:00Z")).containsExactly(0L, 0L, 0L, 12L); // a Monday
    a.settle(0, 1, at("2026-02-02T00:00:00Z"));
    assertThat(spent(a, "2026-02-01T23:00:00Z")).containsExactly(0L, 0L, 1L, 13L);
  }

  private static long at(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  /** Day, week, month and total spend as the account sees them at {@code instant}. */
  private static java.util.List<Long> spent(BudgetLedger.Account a, String instant) {
    return java.util.Arrays.stream(Period.ALL).map(p -> a.spent(p, at(instant))).toList();
  }
}
