package dev.portcullis.eventloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The barrier on real event loops: it returns only after work each loop was in the middle of has
 * ended, and after what that work queued on its loop; on an event loop it refuses instead of hanging.
 */
class EventLoopBarrierTest {
  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(3));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void workUnderWayAndWhatItQueuedHaveRunWhenItReturns() throws Exception {
    AtomicBoolean handedOver = new AtomicBoolean();
    AtomicBoolean thenQueued = new AtomicBoolean();
    CountDownLatch busy = new CountDownLatch(1);
    var context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      busy.countDown();
      sleep(300); // the answer is out, the record not yet handed over
      handedOver.set(true);
      context.runOnContext(w -> thenQueued.set(true));
    });
    assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();

    EventLoopBarrier.pass(vertx, 5_000);

    assertThat(handedOver).isTrue();
    assertThat(thenQueued).isTrue();
  }

  @Test
  void onAnEventLoopItRefusesRatherThanWaitForItself() throws Exception {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> {
      try {
        EventLoopBarrier.pass(vertx, 1_000);
      } catch (Throwable t) {
        thrown.set(t);
      }
      done.complete(null);
    });
    done.get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> {
      throw thrown.get();
    }).isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot wait for itself");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
