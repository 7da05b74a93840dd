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
}
