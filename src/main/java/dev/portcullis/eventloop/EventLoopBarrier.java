package dev.portcullis.eventloop;

import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Waits until every event loop has finished what it was doing when asked. A request's last bytes
 * go to the client before the same event-loop task hands its usage record and audit event to their
 * writers, so a client that has its answer may flush a writer a moment too early; passing this
 * barrier first means the record has been handed over. For tests and diagnostics: it blocks, so
 * never call it on an event loop.
 */
public final class EventLoopBarrier {
  /** Rounds: work the first round's tasks let run (a future completed on the loop) is queued before the second's. */
  private static final int ROUNDS = 2;

  private EventLoopBarrier() {}

  /** Returns once each event loop has run a task queued after the call, twice over; at most {@code timeoutMs} each. */
  public static void pass(Vertx vertx, long timeoutMs) throws Exception {
    List<EventExecutor> loops = new ArrayList<>();
    for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      if (loop.inEventLoop()) {
        throw new IllegalStateException("an event loop cannot wait for itself");
      }
      loops.add(loop);
    }
    for (int round = 0; round < ROUNDS; round++) {
      List<io.netty.util.concurrent.Future<?>> queued = new ArrayList<>();
      for (EventExecutor loop : loops) {
        queued.add(loop.submit(() -> { }));
      }
      for (io.netty.util.concurrent.Future<?> f : queued) {
        f.get(timeoutMs, TimeUnit.MILLISECONDS);
      }
    }
  }
}
