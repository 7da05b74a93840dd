package dev.portcullis.cluster;

import static dev.portcullis.cluster.LimitCountersRedis.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.limits.SharedLimits.Counter;
import dev.portcullis.limits.SharedLimits.GiveBack;
import dev.portcullis.limits.SharedLimits.Taken;
import dev.portcullis.limits.SharedLimits.Type;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The Lua scripts of the shared limits against a real redis-server: a call takes from all its
 * counters or from none, gives back exactly what it took, and a slot whose replica died is freed
 * when its lease ends.
 */
@DisabledOnOs(OS.WINDOWS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisLimitsScriptTest {
  private static final String PREFIX = "test:limits:";
  private LimitCountersRedis counters;

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
  }

  /** A replica's shared limits, with the given slot lease. */
  private RedisLimits replica(String origin, long leaseMs) {
    return new RedisLimits(counters.redis::send, counters.redis::send, PREFIX, origin, () -> true, false, () -> { },
        leaseMs);
  }






  private static List<Counter> call(long tokens, long reserve) {
    return List.of(new Counter(Type.SLOTS, "key:parallel:k", 2, 1, 0, 0),
        new Counter(Type.WINDOW, "key:rpm:k", 3, 1, 0, 0),
        new Counter(Type.WINDOW, "key:tpm:k", 1000, tokens, 0, 0),
        new Counter(Type.BUDGET, "budget:team:day:0:t", 1_000, reserve, 100, 0));
  }

  @Test
  void aRefusalByAnyCounterTakesNothingFromTheOthers() throws Exception {
    RedisLimits limits = replica("r1", 30_000);
    Taken first = get(limits.take(call(400, 500)));
    assertThat(first.refused()).isEqualTo(-1);
    assertThat(first.values()).containsExactly(1, 2, 600, 600);

    // the budget (the last counter) has 400 left of 1000: 500 more does not fit
    Taken refused = get(limits.take(call(100, 500)));
    assertThat(refused.refused()).isEqualTo(3);
    assertThat(refused.values()).containsExactly(600);
    assertThat(counters.slotsHeld("key:parallel:k")).isEqualTo(1);
    assertThat(counters.windowSum("key:rpm:k")).isEqualTo(1);
    assertThat(counters.windowSum("key:tpm:k")).isEqualTo(400);
    assertThat(counters.budget("budget:team:day:0:t")).isEqualTo(600);

    // the token window (third) refuses 700 more tokens, and says when enough leaves it
    Taken tooMany = get(limits.take(call(700, 1)));
    assertThat(tooMany.refused()).isEqualTo(2);
    assertThat(tooMany.values()).containsExactly(400);
    assertThat(tooMany.waits()[0]).isBetween(1L, 60_000L);
    assertThat(counters.budget("budget:team:day:0:t")).isEqualTo(600);

    assertThat(get(limits.take(call(1, 1))).refused()).isEqualTo(-1); // a second slot: the limit is 2
    Taken thirdSlot = get(limits.take(call(1, 1)));
    assertThat(thirdSlot.refused()).as("two slots held").isZero();
    assertThat(counters.windowSum("key:rpm:k")).isEqualTo(2);
  }

  @Test
  void releaseGivesBackExactlyWhatWasTakenAndSettleChargesWhatWasUsed() throws Exception {
    RedisLimits limits = replica("r1", 30_000);
    Taken kept = get(limits.take(call(100, 200)));
    Taken released = get(limits.take(call(300, 400)));
    assertThat(released.refused()).isEqualTo(-1);
    limits.giveBack(released.member(), List.of(new GiveBack(Type.SLOTS, "key:parallel:k", 0, 0),
        new GiveBack(Type.WINDOW, "key:rpm:k", released.nowMs() / 1000, -1),
        new GiveBack(Type.WINDOW, "key:tpm:k", released.nowMs() / 1000, -300),
        new GiveBack(Type.BUDGET, "budget:team:day:0:t", 0, -400)));
    await().atMost(Duration.ofSeconds(5)).until(() -> counters.slotsHeld("key:parallel:k") == 1);
    assertThat(counters.windowSum("key:rpm:k")).isEqualTo(1);
    assertThat(counters.windowSum("key:tpm:k")).isEqualTo(100);
    assertThat(counters.budget("budget:team:day:0:t")).isEqualTo(100 + 200);

    // settled: used 40 of the 100 tokens reserved, cost 250 of the 200 reserved (an overrun is charged)
    limits.giveBack(kept.member(), List.of(new GiveBack(Type.SLOTS, "key:parallel:k", 0, 0),
        new GiveBack(Type.WINDOW, "key:tpm:k", kept.nowMs() / 1000, 40 - 100),
        new GiveBack(Type.BUDGET, "budget:team:day:0:t", 0, 250 - 200)));
    await().atMost(Duration.ofSeconds(5)).until(() -> counters.slotsHeld("key:parallel:k") == 0);
    assertThat(counters.windowSum("key:rpm:k")).as("a call that ran stays counted").isEqualTo(1);
    assertThat(counters.windowSum("key:tpm:k")).isEqualTo(40);
    assertThat(counters.budget("budget:team:day:0:t")).isEqualTo(100 + 250);

    // giving back more than a window slot holds takes it to zero, never below
    limits.giveBack("nobody", List.of(new GiveBack(Type.WINDOW, "key:tpm:k", kept.nowMs() / 1000, -10_000)));
    await().atMost(Duration.ofSeconds(5)).until(() -> counters.windowSum("key:tpm:k") == 0);
  }

  @Test
  void countersExpireByThemselves() throws Exception {
    RedisLimits limits = replica("r1", 30_000);
    long soon = System.currentTimeMillis() + 300;
    Taken t = get(limits.take(List.of(new Counter(Type.WINDOW, "key:rpm:e", 10, 1, 0, 0),
        new Counter(Type.BUDGET, "budget:key:day:1:e", 1_000, 10, 0, soon))));
    assertThat(t.refused()).isEqualTo(-1);
    long windowTtl = counters.send(Request.cmd(Command.PTTL).arg(PREFIX + "key:rpm:e")).toLong();
    assertThat(windowTtl).as("a window outlives its last slot by a second at most").isBetween(1L, 61_000L);
    // the period ended: its counter is gone, and the next period's starts again from the store's spend
    await().atMost(Duration.ofSeconds(10)).until(() -> counters.budget("budget:key:day:1:e") == null);
  }

  @Test
  void aDeadReplicasParallelSlotIsFreedWhenItsLeaseEndsWhileALiveReplicaKeepsItsOwn() throws Exception {
    List<Counter> one = List.of(new Counter(Type.SLOTS, "key:parallel:d", 1, 1, 0, 0));
    RedisLimits dead = replica("dead", 400); // takes a slot, then never gives it back nor renews it
    assertThat(get(dead.take(one)).refused()).isEqualTo(-1);
    RedisLimits alive = replica("alive", 400);
    assertThat(get(alive.take(one)).refused()).as("the slot is held").isZero();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> get(alive.take(one)).refused() == -1);

    // the live replica renews the slot it now holds: it stays held well past one lease
    long timer = alive.startRenewing(counters.vertx);
    try {
      RedisLimits other = replica("other", 400);
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
      while (System.nanoTime() < until) {
        assertThat(get(other.take(one)).refused()).as("a renewed slot stays held").isZero();
        Thread.sleep(100);
      }
    } finally {
      counters.vertx.cancelTimer(timer);
    }
  }

  @Test
  void aBudgetCounterStartsFromTheStoresSpendAndRefusesAZeroCostCallWhenSpent() throws Exception {
    RedisLimits limits = replica("r1", 30_000);
    Counter free = new Counter(Type.BUDGET, "budget:key:total:0:z", 1_000, 0, 1_000, 0);
    Taken t = get(limits.take(List.of(free)));
    assertThat(t.refused()).as("the store already counts the whole budget spent").isZero();
    assertThat(t.values()).containsExactly(1_000);
    assertThat(counters.budget("budget:key:total:0:z")).as("a refusal creates nothing").isNull();
  }

  @Test
  void anAbsentBudgetRestartsFromTheRecordedSpendPlusThisReplicasReservationsInFlight() throws Exception {
    RedisLimits r = replica("r1", 30_000);
    java.util.concurrent.atomic.AtomicLong recorded = new java.util.concurrent.atomic.AtomicLong(700);
    // the replica's own view (base 0) is not used: the store's recorded spend is
    Counter first = new Counter(Type.BUDGET, "budget:key:day:0:lost", 1_000, 200, 0, 0, recorded::get);
    Taken inFlight = get(r.take(List.of(first)));
    assertThat(inFlight.refused()).isEqualTo(-1);
    assertThat(counters.budget("budget:key:day:0:lost")).isEqualTo(700 + 200);

    counters.flushAll(); // Redis lost its data while that call is still running
    recorded.set(750);
    Counter next = new Counter(Type.BUDGET, "budget:key:day:0:lost", 1_000, 40, 0, 0, recorded::get);
    Taken t = get(r.take(List.of(next)));
    assertThat(t.refused()).isEqualTo(-1);
    assertThat(counters.budget("budget:key:day:0:lost")).as("recorded spend, the call in flight re-taken, this call")
        .isEqualTo(750 + 200 + 40);
    // the call in flight settles against the rebuilt counter: it cost 150 of its 200
    r.giveBack(inFlight.member(), List.of(new GiveBack(Type.BUDGET, "budget:key:day:0:lost", 0, 150 - 200)));
    await().atMost(Duration.ofSeconds(5)).until(() -> counters.budget("budget:key:day:0:lost") == 750 + 150 + 40);

    Counter tooMuch = new Counter(Type.BUDGET, "budget:key:day:0:lost", 1_000, 100, 0, 0, recorded::get);
    assertThat(get(r.take(List.of(tooMuch))).refused()).isZero();
  }
}
