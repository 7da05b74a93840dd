package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compensation stack on its own, with scopes that write down what happens to them: a scope
 * refusing or throwing at any position gives back everything reserved before it (newest first)
 * and its own partial take; an admitted call ends each scope exactly once, by settle or release,
 * even when a give-back in between throws.
 */
class CompensationStackTest {
  static final int SCOPES = 5;
  final List<String> log = new ArrayList<>();

  /** A scope that records reserve, settle and release, and refuses or throws when told to. */
  final class Recording implements Scope {
    @Override
    public void share(SharedPlan plan, Need need, long now) {
      throw new UnsupportedOperationException("local scopes only");
    }

    final String name;
    boolean refuse;
    boolean throwOnReserve;
    boolean throwOnGiveBack;

    Recording(String name) {
      this.name = name;
    }

    @Override
    public Supplier<Refusal> reserve(Need need, long now) {
      log.add("reserve " + name);
      if (throwOnReserve) {
        throw new IllegalStateException("injected: " + name + " failed");
      }
      if (refuse) {
        return () -> {
          log.add("refusal built");
          return new Refusal(Refusal.Kind.REQUESTS_PER_MINUTE, name + " says no", 1, null).in(Scope.KEY, name);
        };
      }
      return null;
    }

    @Override
    public void settle(Unwinding u, long tokens, long costNanos, long now) {
      u.run(() -> {
        log.add("settle " + name + " " + costNanos);
        if (throwOnGiveBack) {
          throw new IllegalStateException("injected: settling " + name + " failed");
        }
      });
    }

    @Override
    public void release(Unwinding u) {
      u.run(() -> {
        log.add("release " + name);
        if (throwOnGiveBack) {
          throw new IllegalStateException("injected: releasing " + name + " failed");
        }
      });
    }
  }

  List<Recording> scopes() {
    List<Recording> out = new ArrayList<>();
    for (int i = 1; i <= SCOPES; i++) {
      out.add(new Recording("s" + i));
    }
    return out;
  }

  static List<Scope> asScopes(List<Recording> r) {
    return new ArrayList<>(r);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5})
  void aRefusalAtAnyPositionReleasesItAndEveryScopeBeforeItNewestFirst(int position) {
    List<Recording> s = scopes();
    s.get(position - 1).refuse = true;
    CompensationStack stack = new CompensationStack();

    Refusal r = stack.reserveAll(asScopes(s), Need.fixed(0), 0);

    assertThat(r.message()).isEqualTo("s" + position + " says no");
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= position; i++) {
      expected.add("reserve s" + i);
    }
    for (int i = position; i >= 1; i--) {
      expected.add("release s" + i);
    }
    expected.add("refusal built"); // after the give-back, so that what it reports is what is left
    assertThat(log).containsExactlyElementsOf(expected);
    // nothing after the refusing scope was asked; nothing can be ended twice
    stack.settle(0, 5, 0);
    stack.release();
    assertThat(log).containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5})
  void anExceptionAtAnyPositionReleasesEverythingTakenAndIsRethrown(int position) {
    List<Recording> s = scopes();
    s.get(position - 1).throwOnReserve = true;
    CompensationStack stack = new CompensationStack();

    assertThatThrownBy(() -> stack.reserveAll(asScopes(s), Need.fixed(0), 0))
        .hasMessage("injected: s" + position + " failed");

    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= position; i++) {
      expected.add("reserve s" + i);
    }
    for (int i = position; i >= 1; i--) {
      expected.add("release s" + i);
    }
    assertThat(log).containsExactlyElementsOf(expected);
  }

  @Test
  void anAdmittedCallIsSettledOnceInReverseAndAReleaseAfterwardsDoesNothing() {
    List<Recording> s = scopes();
    CompensationStack stack = new CompensationStack();
    assertThat(stack.reserveAll(asScopes(s), Need.fixed(7), 0)).isNull();
    log.clear();

    stack.settle(0, 7, 0);
    stack.release(); // a client abort racing the answer
    stack.settle(0, 7, 0);

    assertThat(log).containsExactly("settle s5 7", "settle s4 7", "settle s3 7", "settle s2 7", "settle s1 7");
  }

  @Test
  void anAdmittedCallThatNeverRanIsReleasedOnceAndCannotBeSettledAfter() {
    List<Recording> s = scopes();
    CompensationStack stack = new CompensationStack();
    assertThat(stack.reserveAll(asScopes(s), Need.fixed(7), 0)).isNull();
    log.clear();

    stack.release();
    stack.settle(0, 7, 0);
    stack.release();

    assertThat(log).containsExactly("release s5", "release s4", "release s3", "release s2", "release s1");
  }

  @Test
  void aFailingGiveBackDoesNotStopTheOthersAndIsReportedAfterAllRan() {
    List<Recording> s = scopes();
    s.get(1).throwOnGiveBack = true;
    s.get(3).throwOnGiveBack = true;
    CompensationStack stack = new CompensationStack();
    assertThat(stack.reserveAll(asScopes(s), Need.fixed(0), 0)).isNull();
    log.clear();

    assertThatThrownBy(() -> stack.settle(0, 1, 0)).hasMessage("injected: settling s4 failed")
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));

    assertThat(log).containsExactly("settle s5 1", "settle s4 1", "settle s3 1", "settle s2 1", "settle s1 1");
  }

  @Test
  void aRefusalWhoseGiveBackFailsStillReleasesTheRestAndAnswers() {
    List<Recording> s = scopes();
    s.get(0).throwOnGiveBack = true;
    s.get(2).refuse = true;
    CompensationStack stack = new CompensationStack();

    Refusal r = stack.reserveAll(asScopes(s), Need.fixed(0), 0);

    assertThat(r.scope()).isEqualTo(Scope.KEY);
    assertThat(r.subject()).isEqualTo("s3");
    assertThat(log).containsExactly("reserve s1", "reserve s2", "reserve s3", "release s3", "release s2",
        "release s1", "refusal built");
  }

  @Test
  void realScopesGiveBackSlotsRequestsAndReservationsWhenALaterOneRefuses() {
    long now = System.currentTimeMillis();
    KeyLimiter key = new KeyLimiter(10, null, 1);
    BudgetLedger ledger = new BudgetLedger();
    BudgetLedger.Account team = ledger.account(BudgetLedger.TEAM, "t", now);
    BudgetLedger.Account persona = ledger.account(BudgetLedger.PERSONA, "p", now);
    List<Scope> scopes = List.of(
        new RateScope(key, Scope.KEY, "k", "this API key"),
        new BudgetScope(team, Scope.TEAM, "t", "team 't'", 1_000L, "total"),
        new BudgetScope(persona, Scope.PERSONA, "p", "persona 'p'", 10L, "total"));

    Refusal r = new CompensationStack().reserveAll(scopes, Need.fixed(100), now);

    assertThat(r.kind()).isEqualTo(Refusal.Kind.PERSONA_BUDGET);
    assertThat(r.scope()).isEqualTo(Scope.PERSONA);
    assertThat(key.inFlight()).as("the key's parallel slot").isZero();
    assertThat(key.state().remainingRequests()).as("the key's request").isEqualTo(10);
    assertThat(team.reserved()).as("the team's reservation").isZero();
    // and with room everywhere, the same scopes admit, hold, and settle to the price
    CompensationStack ok = new CompensationStack();
    List<Scope> fresh = List.of(
        new RateScope(key, Scope.KEY, "k", "this API key"),
        new BudgetScope(team, Scope.TEAM, "t", "team 't'", 1_000L, "total"));
    assertThat(ok.reserveAll(fresh, Need.fixed(100), now)).isNull();
    assertThat(key.inFlight()).isEqualTo(1);
    assertThat(team.reserved()).isEqualTo(100);
    ok.settle(0, 100, now);
    assertThat(key.inFlight()).isZero();
    assertThat(team.reserved()).isZero();
    assertThat(team.spent(Period.TOTAL, now)).isEqualTo(100);
  }

  @Test
  void aSpentOutBudgetRefusesEvenAFreeCall() {
    long now = System.currentTimeMillis();
    BudgetLedger.Account a = new BudgetLedger().account(BudgetLedger.KEY, "k", now);
    a.settle(0, 50, now);
    Scope budget = new BudgetScope(a, Scope.KEY, "k", "API key", 50L, "total");

    Refusal r = new CompensationStack().reserveAll(List.of(budget), Need.fixed(0), now);

    assertThat(r.kind()).isEqualTo(Refusal.Kind.KEY_BUDGET);
    assertThat(r.message()).contains("$0.00000005").contains("$0 remains");
  }
}
