package dev.portcullis.app;

import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The order the gateway's components stop in, recorded as they are built. Two kinds: what must
 * stop while the event loops still run (a file watch, MCP upstreams, the cluster's Redis client,
 * the demo provider), and what must stop after the listeners, so that the last calls' records are
 * written (audit trail, telemetry export, usage writer and store). Each kind stops in reverse
 * order of building, so nothing stops before what uses it. The same order serves a start-up that
 * failed half-way.
 */
final class Shutdown {
  /** One component's stop, which may throw. */
  interface Step {
    void stop() throws Exception;
  }

  private final Vertx vertx;
  private final Deque<Step> withEventLoops = new ArrayDeque<>();
  private final Deque<Step> afterEventLoops = new ArrayDeque<>();

  Shutdown(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Stops {@code step} while the event loops still run (it needs them to close). */
  <T> T beforeListeners(T component, Step step) {
    withEventLoops.push(step);
    return component;
  }

  /** Stops {@code step} once the listeners and event loops have stopped (it writes what they left). */
  <T> T afterListeners(T component, Step step) {
    afterEventLoops.push(step);
    return component;
  }

  /** Stops everything; the first failure is thrown once every step has run. */
  void run() throws Exception {
    Exception first = null;
    while (!withEventLoops.isEmpty()) {
      first = stop(withEventLoops.pop(), first);
    }
    first = stop(() -> Components.await(vertx.close()), first);
    while (!afterEventLoops.isEmpty()) {
      first = stop(afterEventLoops.pop(), first);
    }
    if (first != null) {
      throw first;
    }
  }

  private static Exception stop(Step step, Exception first) {
    try {
      step.stop();
      return first;
    } catch (Exception e) {
      if (first != null) {
        first.addSuppressed(e);
        return first;
      }
      return e;
    }
  }
}
