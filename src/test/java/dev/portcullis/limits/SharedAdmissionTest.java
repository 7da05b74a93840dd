package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.config.LimitsConfig;
import dev.portcullis.llm.Usage;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How the accountant asks the cluster's shared counters (a recording stand-in for Redis, whose
 * scripts {@code RedisLimitsScriptTest} runs against a real redis-server): every scope of a call
 * in one request, a refusal of any counter told as that scope's refusal, exactly one give-back
 * of what the call did not use, and the fail modes when the counters cannot be reached.
 */
class SharedAdmissionTest {
  /** A key (tpm 1000, 2 parallel) in a team, through a persona (tpm 1000, 2 parallel), each with a budget. */
  final AccountingFixture f = new AccountingFixture(1_000_000_000L, 2_000_000_000L, 3.0, 1000L, 2);

  /** Answers every take as told, and records what it was asked and given back. */
  static final class Recording implements SharedLimits {
    final List<List<Counter>> taken = new ArrayList<>();
    final List<List<GiveBack>> givenBack = new ArrayList<>();
    int refuse = -1;
    boolean unreachable;
    boolean open;
    int degraded;

    @Override
    public boolean enabled() {
      return true;
    }

    @Override
    public Future<Taken> take(List<Counter> counters) {
      taken.add(counters);
      if (unreachable) {
        return Future.failedFuture(new IllegalStateException("Redis is unreachable"));
      }
      if (refuse >= 0) {
        return Future.succeededFuture(new Taken("m", 5_000, refuse, new long[] {counters.get(refuse).limit()},
            new long[] {2_500}));
      }
      long[] values = new long[counters.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = counters.get(i).limit() - counters.get(i).amount();
      }
      return Future.succeededFuture(new Taken("m", 5_000, -1, values, new long[counters.size()]));
    }

    @Override
    public void giveBack(String member, List<GiveBack> returns) {
      givenBack.add(returns);
    }

    @Override
    public boolean failOpen() {
      return open;
    }

    @Override
    public void degraded() {
      degraded++;
    }
  }

  final Recording shared = new Recording();
  final Accountant accountant = new Accountant(AccountingFixture.PRICES, f.ledger, r -> { }, f.personaLimits,
      LimitsConfig.none(), shared);

  private Accountant.Admission admit(String id) throws Exception {
    return accountant.admission(Demand.model(id, f.principal, AccountingFixture.MODEL, () -> 10, 100, 1))
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void everyScopeOfACallIsAskedForInOneRequest() throws Exception {
    Accountant.Admission a = admit("r1");
    assertThat(a.refusal()).isNull();
    assertThat(shared.taken).hasSize(1);
    List<SharedLimits.Counter> c = shared.taken.get(0);
    assertThat(c).extracting(SharedLimits.Counter::key).containsExactly("key:parallel:k1", "key:rpm:k1",
        "key:tpm:k1", "persona:parallel:shared", "persona:tpm:shared",
        "budget:key:total:0:k1", "budget:team:total:0:t1", "budget:persona:total:0:shared");
    assertThat(c.get(2).amount()).as("prompt and max_tokens").isEqualTo(110);
    long reserved = c.get(5).amount();
    assertThat(reserved).isEqualTo(110 * 1_000_000L);
    assertThat(c.subList(5, 8)).allMatch(b -> b.amount() == reserved && b.type() == SharedLimits.Type.BUDGET);
    assertThat(a.ticket().rate().remainingTokens()).isEqualTo(1000 - 110);
    assertThat(accountant.inFlight()).isEqualTo(1);
  }

  @Test
  void aRefusalOfAnyCounterIsThatScopesRefusalAndHoldsNothing() throws Exception {
    shared.refuse = 6; // the team's budget
    Accountant.Admission a = admit("r1");
    assertThat(a.ticket()).isNull();
    assertThat(a.refusal().kind()).isEqualTo(Refusal.Kind.TEAM_BUDGET);
    assertThat(a.refusal().scope()).isEqualTo("team");
    assertThat(a.refusal().message()).contains("$0 remains").contains("every replica");
    assertThat(accountant.inFlight()).isZero();
    assertThat(shared.givenBack).isEmpty();

    shared.refuse = 1; // the key's RPM window
    Refusal rpm = admit("r2").refusal();
    assertThat(rpm.kind()).isEqualTo(Refusal.Kind.REQUESTS_PER_MINUTE);
    assertThat(rpm.retryAfterNanos()).isEqualTo(2_500_000_000L);
    assertThat(rpm.rate().remainingRequests()).isZero();
  }

  @Test
  void settlementGivesBackWhatTheCallDidNotUseOnce() throws Exception {
    Accountant.Admission a = admit("r1");
    accountant.completed(AccountingFixture.finished("r1", new Usage(10, 30, 0, 0, false)));
    accountant.completed(AccountingFixture.finished("r1", new Usage(10, 30, 0, 0, false)));
    a.ticket().release();
    assertThat(shared.givenBack).hasSize(1);
    List<SharedLimits.GiveBack> g = shared.givenBack.get(0);
    long cost = 40 * 1_000_000L;
    long reserved = 110 * 1_000_000L;
    assertThat(g).containsExactly(
        new SharedLimits.GiveBack(SharedLimits.Type.SLOTS, "key:parallel:k1", 0, 0),
        new SharedLimits.GiveBack(SharedLimits.Type.WINDOW, "key:tpm:k1", 5, 40 - 110),
        new SharedLimits.GiveBack(SharedLimits.Type.SLOTS, "persona:parallel:shared", 0, 0),
        new SharedLimits.GiveBack(SharedLimits.Type.WINDOW, "persona:tpm:shared", 5, 40 - 110),
        new SharedLimits.GiveBack(SharedLimits.Type.BUDGET, "budget:key:total:0:k1", 0, cost - reserved),
        new SharedLimits.GiveBack(SharedLimits.Type.BUDGET, "budget:team:total:0:t1", 0, cost - reserved),
        new SharedLimits.GiveBack(SharedLimits.Type.BUDGET, "budget:persona:total:0:shared", 0, cost - reserved));
    assertThat(f.account(BudgetLedger.TEAM).spent(Period.TOTAL, System.currentTimeMillis()))
        .as("this replica's own view of the spend").isEqualTo(cost);
    assertThat(accountant.inFlight()).isZero();
  }

  @Test
  void aReleasedCallGivesBackEverythingItTook() throws Exception {
    Accountant.Admission a = admit("r1");
    a.ticket().release();
    List<SharedLimits.GiveBack> g = shared.givenBack.get(0);
    assertThat(g).extracting(SharedLimits.GiveBack::delta).containsExactly(0L, -1L, -110L, 0L, -110L,
        -110_000_000L, -110_000_000L, -110_000_000L);
  }

  @Test
  void unreachableCountersRefuseWithFailClosedAndFallBackToLocalLimitsWithFailOpen() throws Exception {
    shared.unreachable = true;
    Refusal closed = admit("r1").refusal();
    assertThat(closed.kind()).isEqualTo(Refusal.Kind.SHARED_LIMITS_UNAVAILABLE);
    assertThat(closed.message()).contains("cluster.fail: closed");
    assertThat(shared.degraded).isZero();

    shared.open = true;
    Accountant.Admission local = admit("r2");
    assertThat(local.refusal()).isNull();
    assertThat(shared.degraded).isEqualTo(1);
    assertThat(f.account(BudgetLedger.TEAM).reserved()).as("reserved in this replica's ledger")
        .isEqualTo(110 * 1_000_000L);
    local.ticket().release();
    assertThat(f.account(BudgetLedger.TEAM).reserved()).isZero();
    assertThat(shared.givenBack).isEmpty();
  }
}
