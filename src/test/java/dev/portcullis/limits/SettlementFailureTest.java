package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.Usage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Settlement and admission unwind completely whatever fails inside them: with a price lookup or
 * a usage sink that throws, or a prompt count that throws during admission, the persona's
 * parallel slot and the key's are free again, no budget stays reserved, and the usage record is
 * still written (when the sink itself works).
 */
class SettlementFailureTest {
  static final Usage SMALL = new Usage(10, 5, 0, 0, false);

  final AccountingFixture f = new AccountingFixture(1_000_000_000_000L, 1_000_000_000_000L, 1000, 1_000_000L, 1);
  final List<UsageRecord> written = new ArrayList<>();

  static PriceLookup failingPrices() {
    return new PriceLookup() {
      @Override
      public PriceTable.Price price(Deployment d) {
        throw new IllegalStateException("injected: price lookup failed");
      }

      @Override
      public PriceTable.Price admissionPrice(String group) {
        return AccountingFixture.PRICES.admissionPrice(group);
      }
    };
  }

  Accountant.Admission admit(Accountant a, String id) {
    return a.admit(id, f.principal, AccountingFixture.MODEL, () -> 10, 100, 1);
  }

  void assertEverythingGivenBack(Accountant a) {
    assertThat(a.inFlight()).isZero();
    assertThat(f.personaLimits.inFlight(f.persona)).as("the persona's parallel slot").isZero();
    for (String scope : new String[] {BudgetLedger.KEY, BudgetLedger.TEAM, BudgetLedger.PERSONA}) {
      assertThat(f.account(scope).reserved()).as(scope + " reservation").isZero();
    }
    // the key's own slot (max_parallel 1) is free: another request is admitted and holds it, then gives it back
    Accountant.Admission again = admit(a, "again-" + System.nanoTime());
    assertThat(again.refusal()).isNull();
    assertThat(admit(a, "over-" + System.nanoTime()).refusal().kind()).isEqualTo(Refusal.Kind.PARALLEL_REQUESTS);
    again.ticket().release();
    assertThat(a.inFlight()).isZero();
    Accountant.Admission after = admit(a, "after-" + System.nanoTime());
    assertThat(after.refusal()).isNull();
    after.ticket().release();
  }

  @Test
  void aFailingPriceLookupStillSettlesChargesTheReservationAndWritesTheRow() {
    Accountant a = f.accountant(failingPrices(), written::add);
    Accountant.Admission adm = admit(a, "r1");
    assertThat(adm.refusal()).isNull();
    long reserved = f.account(BudgetLedger.KEY).reserved();
    assertThat(reserved).isEqualTo((10 + 100) * 1_000_000L);

    a.completed(AccountingFixture.finished("r1", SMALL)); // must not throw

    assertThat(written).hasSize(1);
    assertThat(written.get(0).requestId()).isEqualTo("r1");
    assertThat(written.get(0).costNanos()).as("charged what was reserved, not nothing").isEqualTo(reserved);
    assertThat(f.account(BudgetLedger.PERSONA).spent(Period.TOTAL, System.currentTimeMillis())).isEqualTo(reserved);
    assertEverythingGivenBack(a);
  }

  @Test
  void aFailingUsageSinkStillFreesTheSlotsAndCharges() {
    Accountant a = f.accountant(AccountingFixture.PRICES, r -> {
      throw new IllegalStateException("injected: usage sink failed");
    });
    assertThat(admit(a, "r1").refusal()).isNull();
    assertThat(admit(a, "r2").refusal().kind()).as("max_parallel 1 holds").isEqualTo(Refusal.Kind.PARALLEL_REQUESTS);

    a.completed(AccountingFixture.finished("r1", SMALL)); // must not throw

    assertThat(f.account(BudgetLedger.KEY).spent(Period.TOTAL, System.currentTimeMillis()))
        .isEqualTo(15 * 1_000_000L);
    assertEverythingGivenBack(a);
  }

  @Test
  void bothFailingAtOnceLeakNothing() {
    Accountant a = f.accountant(failingPrices(), r -> {
      throw new IllegalStateException("injected: usage sink failed");
    });
    for (int i = 0; i < 5; i++) {
      assertThat(admit(a, "r" + i).refusal()).isNull();
      a.completed(AccountingFixture.finished("r" + i, SMALL));
    }
    assertEverythingGivenBack(a);
  }

  @Test
  void aFailingPromptCountDuringAdmissionGivesBackWhatWasTaken() {
    Accountant a = f.accountant(AccountingFixture.PRICES, written::add);
    assertThatThrownBy(() -> a.admit("r1", f.principal, AccountingFixture.MODEL, () -> {
      throw new IllegalStateException("injected: prompt count failed");
    }, 100, 1)).hasMessageContaining("injected");
    assertEverythingGivenBack(a);
    assertThat(written).isEmpty();
  }

  @Test
  void settlingTwiceOrAnUnknownRequestChangesNothing() {
    Accountant a = f.accountant(AccountingFixture.PRICES, written::add);
    Accountant.Admission adm = admit(a, "r1");
    a.completed(AccountingFixture.finished("r1", SMALL));
    long spent = f.account(BudgetLedger.KEY).spent(Period.TOTAL, System.currentTimeMillis());
    adm.ticket().settle(1000, 1000, System.currentTimeMillis());
    adm.ticket().release();
    a.completed(AccountingFixture.finished("r1", SMALL)); // no ticket any more: recorded, nothing settled
    assertThat(f.account(BudgetLedger.KEY).spent(Period.TOTAL, System.currentTimeMillis())).isEqualTo(spent);
    assertEverythingGivenBack(a);
  }
}
