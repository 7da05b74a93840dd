package dev.portcullis.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clients calling a gateway in loops, one thread each, until stopped, with every failure recorded:
 * the load a reload (or anything else that must not disturb traffic) runs under.
 */
public final class LoadLoops {
  /** One call: null when it went right, else what went wrong. */
  @FunctionalInterface
  public interface Step {
    String run() throws Exception;
  }

  public final AtomicInteger done = new AtomicInteger();
  public final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  private final long pauseMs;

  /** @param pause between one client's calls (zero: back to back) */
  public LoadLoops(Duration pause) {
    this.pauseMs = pause.toMillis();
  }

  /** Adds a client calling {@code step} in a loop; started by {@link #start}. */
  public LoadLoops add(String name, Step step) {
    threads.add(new Thread(() -> {
      while (running.get()) {
        try {
          String failure = step.run();
          if (failure != null) {
            failures.add(name + ": " + failure);
          }
        } catch (Exception e) {
          failures.add(name + ": " + e);
        }
        done.incrementAndGet();
        if (pauseMs > 0 && !pause()) {
          return;
        }
      }
    }, "load-" + name));
    return this;
  }

  public LoadLoops start() {
    threads.forEach(Thread::start);
    return this;
  }

  public void stop() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
  }

  private boolean pause() {
    try {
      Thread.sleep(pauseMs);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }
}
