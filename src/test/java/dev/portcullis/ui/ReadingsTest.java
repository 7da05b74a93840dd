package dev.portcullis.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Single flight, expiry, failures and changes of the console's shared readings, on a clock the test moves. */
class ReadingsTest {
  private final AtomicLong clock = new AtomicLong(1_000);
  private final Readings readings = new Readings(clock::get);
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final Readings.Key key = new Readings.Key("usage", "from=2026-01-01", Role.ADMIN);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void concurrentIdenticalQuestionsRunOnceAndShareTheAnswer() throws Exception {
    // kept for no time at all: only a reading still being made is shared
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Readings.Reading<String>> first = pool.submit(() -> readings.read(key, 0, () -> {
      loads.incrementAndGet();
      started.countDown();
      release.await();
      return "answer";
    }));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    AtomicReference<Thread> waiter = new AtomicReference<>();
    Future<Readings.Reading<String>> second = pool.submit(() -> {
      waiter.set(Thread.currentThread());
      return readings.read(key, 0, () -> "a second load: " + loads.incrementAndGet());
    });
    // the second question waits for the first one's reading (parked), then the first is let finish
    await().atMost(Duration.ofSeconds(10)).until(() -> waiter.get() != null
        && waiter.get().getState() == Thread.State.WAITING);
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).value()).isEqualTo("answer");
    assertThat(second.get(10, TimeUnit.SECONDS).value()).isEqualTo("answer");
    assertThat(loads).hasValue(1);
    // once made, a reading kept for no time is not served again
    assertThat(readings.read(key, 0, () -> "fresh").value()).isEqualTo("fresh");
  }

  @Test
  void aReadingServesUntilItExpiresThenTheStoreIsReadAgain() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    assertThat(readings.read(key, 5_000, loads::incrementAndGet).value()).isEqualTo(1);
    clock.addAndGet(4_999);
    Readings.Reading<Integer> kept = readings.read(key, 5_000, loads::incrementAndGet);
    assertThat(kept.value()).isEqualTo(1);
    assertThat(kept.at()).isEqualTo(1_000);
    clock.addAndGet(1);
    assertThat(readings.read(key, 5_000, loads::incrementAndGet).value()).isEqualTo(2);
    // another role, another query: questions of their own
    assertThat(readings.read(new Readings.Key("usage", "from=2026-01-01", Role.READ_ONLY), 5_000,
        loads::incrementAndGet).value()).isEqualTo(3);
    assertThat(readings.read(new Readings.Key("usage", "from=2026-01-02", Role.ADMIN), 5_000,
        loads::incrementAndGet).value()).isEqualTo(4);
  }

  @Test
  void aChangeForgetsEveryReadingAndAFailureIsKeptByNobody() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    readings.read(key, 60_000, loads::incrementAndGet);
    readings.changed();
    assertThat(readings.read(key, 60_000, loads::incrementAndGet).value()).isEqualTo(2);

    Readings.Key failing = new Readings.Key("audit", "", Role.ADMIN);
    assertThatThrownBy(() -> readings.read(failing, 60_000, () -> {
      throw new IllegalArgumentException("bad filter");
    })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad filter");
    assertThat(readings.read(failing, 60_000, () -> "fine").value()).isEqualTo("fine");
  }

  @Test
  void aValueNotToBeKeptIsReadAgainNextTime() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    assertThat(readings.read(key, 60_000, loads::incrementAndGet, v -> v > 1).value()).isEqualTo(1);
    assertThat(readings.read(key, 60_000, loads::incrementAndGet, v -> v > 1).value()).isEqualTo(2);
    assertThat(readings.read(key, 60_000, loads::incrementAndGet, v -> v > 1).value()).isEqualTo(2);
  }

  @Test
  void manyQuestionsKeepTheReadingsBounded() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    Readings.Key early = new Readings.Key("keys", "page=early", Role.ADMIN);
    readings.read(early, 60_000, loads::incrementAndGet);
    for (int i = 0; i < Readings.MAX_ENTRIES + 1; i++) {
      readings.read(new Readings.Key("keys", "page=" + i, Role.ADMIN), 60_000, () -> "x");
    }
    // past the cap nothing expired could go, so every reading went: the early question is read again
    assertThat(readings.read(early, 60_000, loads::incrementAndGet).value()).isEqualTo(2);
  }
}
