package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.Usage;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property tests of the limit arithmetic, over seeded random sequences drawn from hostile values
 * (negative, zero, 2^63-1 and its neighbours as max_tokens, choices, prompt estimates and
 * reported usage), with price lookups, usage sinks and prompt counts failing at random:
 * spend never decreases, reservations never go negative or past their limit, a reservation is
 * only granted when it exactly fits, and once every request is finished every counter is back at
 * its baseline.
 */
class LimitArithmeticPropertyTest {
  static final long[] HOSTILE = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -1_000_000_000_000L, -1, 0, 1, 7, 1024, 128_000,
      1_000_000_000L, 1_000_000_001L, Long.MAX_VALUE / 2, Long.MAX_VALUE - 1, Long.MAX_VALUE};

  static long pick(Random r) {
    return r.nextInt(3) == 0 ? r.nextLong() : HOSTILE[r.nextInt(HOSTILE.length)];
  }

  /** Mostly ordinary numbers, hostile one time in four: so that calls are admitted between the attacks. */
  static long mostlySane(Random r) {
    return r.nextInt(4) == 0 ? pick(r) : r.nextInt(10_000);
  }

  @Test
  void ledgerReservationsAreExactAndSpendOnlyGrows() {
    for (long seed = 1; seed <= 20; seed++) {
      Random r = new Random(seed);
      long now = System.currentTimeMillis();
      BudgetLedger.Account a = new BudgetLedger().account(BudgetLedger.KEY, "k", now);
      long limit = Math.abs(pick(r));
      List<Long> held = new ArrayList<>();
      long spent = 0;
      for (int i = 0; i < 2000; i++) {
        int op = r.nextInt(3);
        if (op == 0) {
          long amount = Math.abs(pick(r)) & Long.MAX_VALUE;
          BigInteger exact = BigInteger.valueOf(a.spent(Period.TOTAL, now)).add(BigInteger.valueOf(a.reserved()))
              .add(BigInteger.valueOf(amount));
          boolean fits = exact.compareTo(BigInteger.valueOf(limit)) <= 0
              && exact.compareTo(BigInteger.valueOf(Long.MAX_VALUE)) < 0;
          assertThat(a.tryReserve(Period.TOTAL, limit, amount, now)).as("seed %d step %d", seed, i).isEqualTo(fits);
          if (fits) {
            held.add(amount);
          }
        } else if (!held.isEmpty()) {
          long amount = held.remove(r.nextInt(held.size()));
          if (op == 1) {
            a.release(amount);
          } else {
            a.settle(amount, pick(r), now);
          }
        }
        long nowSpent = a.spent(Period.TOTAL, now);
        assertThat(nowSpent).as("seed %d step %d: spend never decreases", seed, i).isGreaterThanOrEqualTo(spent);
        spent = nowSpent;
        assertThat(a.reserved()).as("seed %d step %d", seed, i).isBetween(0L, limit);
        assertThat(a.reserved()).isEqualTo(held.stream().mapToLong(Long::longValue).sum());
      }
    }
  }

  @Test
  void admissionAndSettlementUnderHostileNumbersAndFailuresReturnToBaseline() {
    for (long seed = 1; seed <= 10; seed++) {
      Random r = new Random(seed);
      // budgets from $10M up to the end of long, so that calls are admitted until absurd usage spends them
      AccountingFixture f = new AccountingFixture(10_000_000_000_000_000L + r.nextLong(Long.MAX_VALUE / 2),
          10_000_000_000_000_000L + r.nextLong(Long.MAX_VALUE / 2), 10_000_000 + r.nextInt(990_000_000),
          // a TPM limit on every other seed: absurd usage puts it in debt for a minute, refusing what follows
          seed % 2 == 0 ? null : 60_000_000_000L - r.nextInt(1_000_000), 1 + r.nextInt(8));
      boolean[] failPrice = {false};
      boolean[] failSink = {false};
      PriceLookup prices = new PriceLookup() {
        @Override
        public PriceTable.Price price(Deployment d) {
          if (failPrice[0]) {
            throw new IllegalStateException("injected");
          }
          return AccountingFixture.PRICES.price(d);
        }

        @Override
        public PriceTable.Price admissionPrice(String group) {
          return AccountingFixture.PRICES.admissionPrice(group);
        }
      };
      List<UsageRecord> written = new ArrayList<>();
      Accountant a = f.accountant(prices, rec -> {
        if (failSink[0]) {
          throw new IllegalStateException("injected");
        }
        written.add(rec);
      });
      Map<String, Accountant.Admission> open = new HashMap<>();
      Map<String, Long> spent = new HashMap<>();
      int finished = 0;
      int recorded = 0;
      for (int i = 0; i < 1500; i++) {
        String step = "seed " + seed + " step " + i;
        if (r.nextBoolean() || open.isEmpty()) {
          String id = "r" + i;
          long prompt = mostlySane(r);
          boolean failCount = r.nextInt(20) == 0;
          try {
            Accountant.Admission adm = a.admit(id, f.principal, AccountingFixture.MODEL, () -> {
              if (failCount) {
                throw new IllegalStateException("injected");
              }
              return prompt;
            }, mostlySane(r), r.nextBoolean() ? 1 : mostlySane(r));
            if (adm.refusal() == null) {
              open.put(id, adm);
            }
          } catch (IllegalStateException e) {
            assertThat(failCount).as(step).isTrue();
          }
        } else {
          String id = open.keySet().stream().sorted().skip(r.nextInt(open.size())).findFirst().orElseThrow();
          open.remove(id);
          failPrice[0] = r.nextInt(5) == 0;
          failSink[0] = r.nextInt(5) == 0;
          a.completed(AccountingFixture.finished(id, new Usage(mostlySane(r), mostlySane(r), mostlySane(r),
              mostlySane(r), false, mostlySane(r))));
          finished++;
          recorded += failSink[0] ? 0 : 1;
          failPrice[0] = false;
          failSink[0] = false;
        }
        for (String scope : new String[] {BudgetLedger.KEY, BudgetLedger.TEAM, BudgetLedger.PERSONA}) {
          BudgetLedger.Account acc = f.account(scope);
          long s = acc.spent(Period.TOTAL, System.currentTimeMillis());
          assertThat(s).as(step + ": " + scope + " spend never decreases").isGreaterThanOrEqualTo(spent.getOrDefault(
              scope, 0L));
          spent.put(scope, s);
          assertThat(acc.reserved()).as(step + ": " + scope + " reservation").isNotNegative();
        }
        assertThat(f.personaLimits.inFlight(f.persona)).as(step).isEqualTo(open.size());
        assertThat(a.inFlight()).as(step).isEqualTo(open.size());
      }
      for (String id : new ArrayList<>(open.keySet())) {
        a.completed(AccountingFixture.finished(id, Usage.NONE));
        finished++;
        recorded++;
      }
      for (String scope : new String[] {BudgetLedger.KEY, BudgetLedger.TEAM, BudgetLedger.PERSONA}) {
        assertThat(f.account(scope).reserved()).as("seed " + seed + ": " + scope + " back at baseline").isZero();
      }
      assertThat(f.personaLimits.inFlight(f.persona)).isZero();
      assertThat(a.inFlight()).isZero();
      assertThat(written).as("seed " + seed + ": a row for every finished call the sink accepted").hasSize(recorded);
      assertThat(written).allSatisfy(w -> {
        assertThat(w.costNanos()).isNotNegative();
        assertThat(w.promptTokens()).isBetween(0L, ReportedUsage.MAX_TOKENS_PER_CALL);
        assertThat(w.completionTokens()).isBetween(0L, ReportedUsage.MAX_TOKENS_PER_CALL);
      });
      assertThat(finished).as("seed " + seed + ": calls admitted and finished").isGreaterThan(20);
    }
  }

  @Test
  void completionReservationsAreCappedAndNeverWrap() {
    Random r = new Random(42);
    for (int i = 0; i < 100_000; i++) {
      long max = pick(r);
      long choices = pick(r);
      long cap = 1 + (Math.abs(pick(r)) & Long.MAX_VALUE) % 1_000_000;
      long c = Accountant.completionReservation(max, choices, cap);
      BigInteger perChoice = BigInteger.valueOf(Math.min(max > 0 ? max : Accountant.DEFAULT_COMPLETION_ESTIMATE, cap));
      BigInteger exact = perChoice.multiply(BigInteger.valueOf(Math.max(1, choices)));
      assertThat(c).as("max %d choices %d cap %d", max, choices, cap)
          .isEqualTo(exact.min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact());
      assertThat(Saturating.add(c, pick(r) & Long.MAX_VALUE)).isNotNegative();
    }
  }

  @Test
  void costsAndBoundsOfSaneUsageAreNeverNegativeAndGrowWithTokens() {
    Random r = new Random(7);
    PriceTable.Price p = PriceTable.Price.perMillion(1e9, 1e9, 1e9, 1e9, 1); // the dearest valid price
    for (int i = 0; i < 100_000; i++) {
      Usage u = ReportedUsage.of(new Usage(pick(r), pick(r), pick(r), pick(r), false, pick(r))).usage();
      long cost = p.cost(u);
      assertThat(cost).isNotNegative();
      Usage more = new Usage(u.promptTokens(), Math.min(u.completionTokens() + 1, ReportedUsage.MAX_TOKENS_PER_CALL),
          u.cachedTokens(), u.reasoningTokens(), false, u.cacheWriteTokens());
      assertThat(p.cost(more)).isGreaterThanOrEqualTo(cost);
      long prompt = Math.abs(pick(r)) & Long.MAX_VALUE;
      long completion = Math.abs(pick(r)) & Long.MAX_VALUE;
      assertThat(p.bound(prompt, completion)).isNotNegative().isGreaterThanOrEqualTo(p.bound(prompt / 2, completion / 2));
    }
  }
}
