package dev.portcullis.cluster;

import static dev.portcullis.cluster.LimitCountersRedis.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.limits.SharedLimits.Counter;
import dev.portcullis.limits.SharedLimits.GiveBack;
import dev.portcullis.limits.SharedLimits.Taken;
import dev.portcullis.limits.SharedLimits.Type;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The slices of shared counters a replica holds (leases) against a real redis-server: a call on
 * a high limit is admitted without asking Redis, what is left of a lease goes back when its time
 * is up, small limits are never leased (their counts stay exact), and replicas taking on leases
 * never admit more than the limit together.
 */
@DisabledOnOs(OS.WINDOWS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LimitLeasesTest {
  private static final String PREFIX = "test:leases:";
  private LimitCountersRedis counters;
  /** Admissions sent to Redis (the take script), by all replicas of a test. */
  private final AtomicInteger asked = new AtomicInteger();
  private final List<Long> timers = new ArrayList<>();

  @BeforeAll
  void startRedis() throws Exception {
    counters = LimitCountersRedis.start(PREFIX);
  }

  @AfterAll
  void stop() throws Exception {
    counters.close();
  }

  @BeforeEach
  void empty() throws Exception {
    counters.flushAll();
    asked.set(0);
  }

  @AfterEach
  void stopTimers() {
    timers.forEach(counters.vertx::cancelTimer);
    timers.clear();
  }

  /** A replica whose leases end on their own (its timer runs). */
  private RedisLimits replica(String origin) {
    RedisLimits r = new RedisLimits(req -> {
      if (req.command() == Command.EVALSHA) {
        asked.incrementAndGet();
      }
      return counters.redis.send(req);
    }, counters.redis::send, PREFIX, origin, () -> true, false, () -> { }, 30_000);
    timers.add(r.startRenewing(counters.vertx));
    return r;
  }





  private static Counter rpm(String key, long limit) {
    return new Counter(Type.WINDOW, key, limit, 1, 0, 0);
  }

  @Test
  void aHighLimitsNextCallsAreAdmittedOnTheLeaseAndWhatIsLeftGoesBackWhenItsSecondEnds() throws Exception {
    RedisLimits r = replica("r1");
    startOfASecond();
    Taken first = get(r.take(List.of(rpm("key:rpm:high", 64_000))));
    assertThat(first.refused()).isEqualTo(-1);
    assertThat(asked).hasValue(1);
    long leased = counters.windowSum("key:rpm:high");
    assertThat(leased).as("the call and a lease of %d calls beside it", LimitLeases.CALLS_PER_LEASE)
        .isEqualTo(1 + LimitLeases.CALLS_PER_LEASE);
    assertThat(first.values()[0]).as("room left, the lease counted as used").isEqualTo(64_000 - leased);

    Taken second = get(r.take(List.of(rpm("key:rpm:high", 64_000))));
    assertThat(second.refused()).isEqualTo(-1);
    assertThat(asked).as("admitted on the lease, Redis not asked").hasValue(1);
    assertThat(second.values()[0]).as("room left as Redis would show it: the lease's unused part not counted")
        .isEqualTo(64_000 - 2);
    assertThat(second.waits()[0]).isPositive();

    await().atMost(Duration.ofSeconds(3)).until(() -> counters.windowSum("key:rpm:high") == 2);
  }

  @Test
  void smallLimitsAreNeverLeasedSoEveryCallCountsExactlyInRedis() throws Exception {
    RedisLimits r = replica("r1");
    for (int i = 1; i <= 60; i++) {
      assertThat(get(r.take(List.of(rpm("key:rpm:small", 60)))).refused()).isEqualTo(-1);
      assertThat(counters.windowSum("key:rpm:small")).isEqualTo(i);
    }
    assertThat(asked).as("every call asked Redis").hasValue(60);
    assertThat(get(r.take(List.of(rpm("key:rpm:small", 60)))).refused()).isZero();
  }

  @Test
  void aLeaseIsOnlyGrantedWhileTheCounterIsAtMostHalfFull() throws Exception {
    RedisLimits r = replica("r1");
    counters.send(Request.cmd(Command.HSET).arg(PREFIX + "key:rpm:half").arg(nowSecond()).arg(40_000));
    assertThat(get(r.take(List.of(rpm("key:rpm:half", 64_000)))).refused()).isEqualTo(-1);
    assertThat(counters.windowSum("key:rpm:half")).as("over half full: the call alone").isEqualTo(40_001);
    get(r.take(List.of(rpm("key:rpm:half", 64_000))));
    assertThat(asked).as("no lease: the next call asks Redis too").hasValue(2);
  }

  @Test
  void aCallCountingADifferentLimitEndsTheLeaseAndAsksRedis() throws Exception {
    RedisLimits r = replica("r1");
    get(r.take(List.of(rpm("key:rpm:changed", 64_000))));
    // the key's limit was lowered: the lease taken under the old one is not used for it
    Taken t = get(r.take(List.of(rpm("key:rpm:changed", 100))));
    assertThat(t.refused()).isEqualTo(-1);
    assertThat(asked).hasValue(2);
    await().atMost(Duration.ofSeconds(3)).until(() -> counters.windowSum("key:rpm:changed") == 2);
  }

  @Test
  void aBudgetLeaseTakesSettlementsAndGivesBackWhatWasNotSpent() throws Exception {
    RedisLimits r = replica("r1");
    Counter reserve = new Counter(Type.BUDGET, "budget:key:day:0:lease", 10_000_000, 100, 5_000, 0);
    Taken first = get(r.take(List.of(reserve)));
    long lease = 100 * LimitLeases.CALLS_PER_LEASE;
    assertThat(counters.budget("budget:key:day:0:lease")).isEqualTo(5_000 + 100 + lease);
    Taken second = get(r.take(List.of(reserve)));
    assertThat(asked).hasValue(1);
    assertThat(second.values()[0]).as("the counter as Redis would show it without the lease").isEqualTo(5_000 + 200);

    // the first cost 30 of its 100 (given back to Redis), the second 250 (an overrun, charged to the lease)
    r.giveBack(first.member(), List.of(new GiveBack(Type.BUDGET, "budget:key:day:0:lease", 0, 30 - 100)));
    r.giveBack(second.member(), List.of(new GiveBack(Type.BUDGET, "budget:key:day:0:lease", 0, 250 - 100)));
    await().atMost(Duration.ofSeconds(3)).until(() -> counters.budget("budget:key:day:0:lease") == 5_000 + 30 + 250);
  }

  @Test
  void aCallSettlingAfterItsLeaseEndedSettlesInRedis() throws Exception {
    RedisLimits r = replica("r1");
    Counter tokens = new Counter(Type.WINDOW, "key:tpm:late", 1_000_000, 10, 0, 0);
    startOfASecond();
    get(r.take(List.of(tokens)));
    Taken onLease = get(r.take(List.of(tokens)));
    assertThat(asked).hasValue(1);
    await().atMost(Duration.ofSeconds(3)).until(() -> counters.windowSum("key:tpm:late") == 20);
    r.giveBack(onLease.member(), List.of(new GiveBack(Type.WINDOW, "key:tpm:late", onLease.nowMs() / 1000, 4 - 10)));
    await().atMost(Duration.ofSeconds(3)).until(() -> counters.windowSum("key:tpm:late") == 14);
  }

  @Test
  void replicasTakingOnLeasesNeverAdmitMoreThanTheLimitAndRedisCountsWhatTheyAdmitted() throws Exception {
    List<RedisLimits> replicas = List.of(replica("a"), replica("b"), replica("c"));
    long limit = 3_000;
    AtomicInteger admitted = new AtomicInteger();
    List<Future<Integer>> chains = new ArrayList<>();
    // every replica asks for far more than the limit, ten calls at a time, on one event loop as a gateway does
    counters.vertx.runOnContext(v -> {
      for (RedisLimits r : replicas) {
        for (int i = 0; i < 10; i++) {
          chains.add(takeInTurn(r, rpm("key:rpm:shared", limit), 150, admitted));
        }
      }
    });
    await().atMost(Duration.ofSeconds(20)).until(() -> chains.size() == 30
        && chains.stream().allMatch(Future::isComplete));
    assertThat(chains).allMatch(Future::succeeded);
    assertThat(admitted.get()).isLessThanOrEqualTo((int) limit)
        .as("leases hold back at most a 64th of the room each").isGreaterThan((int) (limit * 0.9));
    assertThat(asked.get()).as("most calls admitted on leases").isLessThan(4_500);
    await().atMost(Duration.ofSeconds(3)).until(() -> counters.windowSum("key:rpm:shared") == admitted.get());
  }

  /** Takes {@code n} times, one after the other, counting the calls admitted. */
  private static Future<Integer> takeInTurn(RedisLimits r, Counter c, int n, AtomicInteger admitted) {
    if (n == 0) {
      return Future.succeededFuture(0);
    }
    return r.take(List.of(c)).compose(t -> {
      if (t.refused() < 0) {
        admitted.incrementAndGet();
      }
      return takeInTurn(r, c, n - 1, admitted);
    });
  }

  /**
   * Waits for the start of a second: a window's lease lives until the end of the Redis second it
   * was taken in (Redis runs on this machine's clock), and a test needs it to outlive its next call.
   */
  private static void startOfASecond() throws InterruptedException {
    while (System.currentTimeMillis() % 1000 > 300) {
      Thread.sleep(10);
    }
  }

  private static String nowSecond() {
    return Long.toString(System.currentTimeMillis() / 1000);
  }
}
