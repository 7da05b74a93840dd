package dev.portcullis.ui;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * What the console read from the store, shared for a few seconds by every operator asking the same
 * question with the same role: N browsers polling the overview, or one reloading the usage
 * report, cost the store one set of queries per interval. A reading being made is waited for,
 * not repeated (single flight). Any change made through the console forgets every reading, so
 * the change shows on the next page; a change made elsewhere (the admin API, another replica)
 * shows when the reading expires, and each page says how old its reading is.
 *
 * <p>Blocking: {@link #read} runs on the console's worker threads.
 */
final class Readings {
  /** Readings kept at most; past it the expired ones go, then all (the next pages read afresh). */
  static final int MAX_ENTRIES = 256;

  /**
   * One question: the page, its parameters as the page understood them, and the role asking
   * (a reading made for an admin is never shown to a read-only operator).
   */
  record Key(String page, String query, Role role) {}

  /** A value read from the store and when its reading began (what the page calls "as of"). */
  record Reading<T>(long at, T value) {}

  private record Entry(CompletableFuture<Reading<?>> reading, long ttlMillis) {
    boolean fresh(long now) {
      if (!reading.isDone()) {
        return true;
      }
      return !reading.isCompletedExceptionally() && now - reading.join().at() < ttlMillis;
    }
  }

  private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  Readings(LongSupplier clock) {
    this.clock = clock;
  }

  /**
   * The reading of {@code key} younger than {@code ttlMillis}; else the one being made; else
   * {@code load} runs here and its value is kept. A failed load is kept by nobody: every caller
   * waiting for it gets its exception, the next caller loads again.
   */
  <T> Reading<T> read(Key key, long ttlMillis, Callable<T> load) throws Exception {
    return read(key, ttlMillis, load, v -> true);
  }

  /**
   * The same, but a value {@code keep} refuses (a large one) is only shared with the callers
   * already waiting for it, not kept: memory holds at most {@link #MAX_ENTRIES} small readings.
   */
  @SuppressWarnings("unchecked")
  <T> Reading<T> read(Key key, long ttlMillis, Callable<T> load, Predicate<T> keep) throws Exception {
    while (true) {
      long now = clock.getAsLong();
      Entry seen = entries.get(key);
      if (seen != null && seen.fresh(now)) {
        return (Reading<T>) await(seen.reading());
      }
      Entry mine = new Entry(new CompletableFuture<>(), ttlMillis);
      boolean won = seen == null ? entries.putIfAbsent(key, mine) == null : entries.replace(key, seen, mine);
      if (!won) {
        continue; // someone else started this reading just now: wait for theirs
      }
      bound(now);
      try {
        Reading<T> r = new Reading<>(now, load.call());
        mine.reading().complete(r);
        if (!keep.test(r.value())) {
          entries.remove(key, mine);
        }
        return r;
      } catch (Exception | Error e) {
        entries.remove(key, mine);
        mine.reading().completeExceptionally(e);
        throw e;
      }
    }
  }

  /** Forgets every reading (after a change): the pages that follow read the store again. */
  void changed() {
    entries.clear();
  }

  private void bound(long now) {
    if (entries.size() > MAX_ENTRIES) {
      entries.values().removeIf(e -> !e.fresh(now));
      if (entries.size() > MAX_ENTRIES) {
        entries.clear();
      }
    }
  }

  /** The reading, or the exception its load threw (not wrapped: the page maps it to its answer). */
  private static Reading<?> await(CompletableFuture<Reading<?>> f) throws Exception {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      if (e.getCause() instanceof Error x) {
        throw x;
      }
      throw e;
    }
  }
}
