package dev.portcullis.ui;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/**
 * Where the console's work runs: its own few worker threads, never an event loop and never the
 * worker pool the data plane blocks on, so however many operators page at once, the console takes
 * at most {@link #THREADS} threads, and as many store connections, away from the LLM and MCP paths.
 * Pages read through the shared {@link Readings}, kept {@code ttlMillis}.
 */
final class ConsoleWork {
  /** Threads the console works on: one long job (a chain verification) leaves one for the pages. */
  static final int THREADS = 2;
  static final String POOL = "portcullis-console";
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private final WorkerExecutor workers;
  private final Readings readings;
  private final long ttlMillis;

  ConsoleWork(WorkerExecutor workers, Readings readings, long ttlMillis) {
    this.workers = workers;
    this.readings = readings;
    this.ttlMillis = ttlMillis;
  }

  /** Runs {@code work} on the console's threads (not ordered: pages do not wait for each other). */
  <T> Future<T> run(Callable<T> work) {
    return workers.executeBlocking(work, false);
  }

  /** The shared reading of this page's question for this role, at most the console's reuse time old (on a worker). */
  <T> Readings.Reading<T> read(String page, String query, Role role, Callable<T> load) throws Exception {
    return read(page, query, role, ttlMillis, load);
  }

  /** The same, with a reuse time of its own when it is longer than the console's. */
  <T> Readings.Reading<T> read(String page, String query, Role role, long reuseMillis, Callable<T> load)
      throws Exception {
    return readings.read(new Readings.Key(page, query, role), Math.max(ttlMillis, reuseMillis), load);
  }

  /**
   * The shared reading of a download: kept like a page's when {@code small} says so, else only
   * shared with the operators asking while it is read (a large download is not held in memory).
   */
  <T> Readings.Reading<T> download(String page, String query, Role role, Callable<T> load,
      java.util.function.Predicate<T> small) throws Exception {
    return readings.read(new Readings.Key(page, query, role), ttlMillis, load, small);
  }

  /** A change was made through the console: every page reads the store again. */
  void changed() {
    readings.changed();
  }

  /** The line a page shows under its title: how old what it shows may be. */
  String asOf(Readings.Reading<?> r) {
    return "<p class=\"muted as-of\" id=\"as-of\">As of " + CLOCK.format(Instant.ofEpochMilli(r.at())) + " UTC"
        + (ttlMillis > 0 ? "; pages show what the store held up to " + (ttlMillis + 999) / 1000
        + " seconds ago, changes made here at once." : ".") + "</p>";
  }
}
