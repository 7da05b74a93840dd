package dev.portcullis.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The event loop's timeouts on a real Vert.x context: each runs once, on that context, never
 * before its time; a cancelled one never runs, wherever it stands in its lane; one set while
 * others run still runs.
 */
class DeadlinesTest {
  Vertx vertx;
  Context context;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** What ran, in order, each with how late or early it was (ms after it was set). */
  record Ran(String name, long afterMs, boolean onContext) {}

  @Test
  void eachRunsOnceNeverEarlyAndCancelledOnesNever() throws Exception {
    List<Ran> ran = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(5);
    context.runOnContext(v -> {
      Deadlines d = Deadlines.here(vertx);
      assertThat(Deadlines.here(vertx)).isSameAs(d);
      long set = System.nanoTime();
      java.util.function.Function<String, Runnable> record = name -> () -> {
        ran.add(new Ran(name, (System.nanoTime() - set) / 1_000_000, Vertx.currentContext() == context));
        done.countDown();
      };
      d.after(60, record.apply("a60"));
      Deadlines.Deadline head = d.after(60, record.apply("cancelled-head"));
      d.after(60, record.apply("b60"));
      Deadlines.Deadline middle = d.after(60, record.apply("cancelled-middle"));
      d.after(20, record.apply("c20"));
      Deadlines.Deadline tail = d.after(60, record.apply("cancelled-tail"));
      d.after(40, () -> {
        record.apply("d40").run();
        d.after(40, record.apply("e40-set-while-running")); // 40 + 40 ms after the start
      });
      head.cancel();
      middle.cancel();
      tail.cancel();
      tail.cancel(); // twice: nothing
    });
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(150); // nothing cancelled runs later either
    assertThat(ran).extracting(Ran::name)
        .containsExactly("c20", "d40", "a60", "b60", "e40-set-while-running");
    assertThat(ran).allMatch(Ran::onContext);
    assertThat(ran.get(0).afterMs()).isGreaterThanOrEqualTo(20);
    assertThat(ran.get(1).afterMs()).isGreaterThanOrEqualTo(40);
    assertThat(ran.get(2).afterMs()).isGreaterThanOrEqualTo(60);
    assertThat(ran.get(4).afterMs()).isGreaterThanOrEqualTo(80);
  }

  @Test
  void aLaneEmptiedByCancellingStillServesTheNextOnTime() throws Exception {
    CompletableFuture<Long> late = new CompletableFuture<>();
    AtomicReference<Long> setAt = new AtomicReference<>();
    context.runOnContext(v -> {
      Deadlines d = Deadlines.here(vertx);
      for (int i = 0; i < 1000; i++) {
        d.after(30, () -> late.completeExceptionally(new AssertionError("a cancelled one ran"))).cancel();
      }
      vertx.setTimer(10, t -> {
        setAt.set(System.nanoTime());
        d.after(30, () -> late.complete((System.nanoTime() - setAt.get()) / 1_000_000));
      });
    });
    assertThat(late.get(5, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(30);
  }
}
