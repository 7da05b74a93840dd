package dev.portcullis.limits;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * What limits cost a governed request that passes: the key's parallel slot, one request from the
 * RPM bucket, the token estimate from the TPM bucket, a budget reservation, then settlement with
 * the actual tokens and cost. Limits are far above what the benchmark can use, so every call is
 * admitted (a refusal would be a different, cheaper path). Also measured with four threads on one
 * key, since the buckets and the account are shared by every event loop.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LimitReservationBench {
  private static final long PROMPT_TOKENS = 30;
  private static final long MAX_TOKENS = 64;
  private static final long RESERVED_NANOS = 2_000;
  private static final long BUDGET_NANOS = Long.MAX_VALUE / 4;

  private KeyLimiter limiter;
  private BudgetLedger.Account account;

  @Setup
  public void setUp() {
    // the largest TPM that still builds a bucket (one token per nanosecond), so the bucket code runs
    limiter = new KeyLimiter(Integer.MAX_VALUE, 60_000_000_000L, 1_000_000);
    account = new BudgetLedger().account(BudgetLedger.KEY, "bench", System.currentTimeMillis());
  }

  @Benchmark
  public long reserveAndSettle() {
    return admitAndSettle();
  }

  @Benchmark
  @Threads(4)
  public long reserveAndSettleFourThreads() {
    return admitAndSettle();
  }

  private long admitAndSettle() {
    long now = System.currentTimeMillis();
    if (!limiter.tryEnter() || limiter.takeRequest() >= 0 || limiter.takeTokens(PROMPT_TOKENS + MAX_TOKENS) >= 0
        || !account.tryReserve(Period.MONTH, BUDGET_NANOS, RESERVED_NANOS, now)) {
      throw new IllegalStateException("the benchmark's limits are meant never to refuse");
    }
    limiter.settleTokens(PROMPT_TOKENS + MAX_TOKENS, PROMPT_TOKENS + 12);
    account.settle(RESERVED_NANOS, 1_500, now);
    limiter.exit();
    return limiter.inFlight();
  }
}
