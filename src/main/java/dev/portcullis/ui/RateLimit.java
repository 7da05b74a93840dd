package dev.portcullis.ui;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The console's own rate limit, per client address and one-minute window, apart from the data
 * plane's limits: a busy console (or someone guessing admin keys) cannot spend the gateway's.
 * Memory stays bounded: when too many addresses are counted at once, the rest share one count.
 */
final class RateLimit {
  private static final long WINDOW_MS = 60_000;
  private static final int MAX_ADDRESSES = 10_000;
  private static final String OVERFLOW = "*";

  private final int perMinute;
  private volatile Window window = new Window(0);

  RateLimit(int perMinute) {
    this.perMinute = perMinute;
  }

  private record Window(long start, Map<String, AtomicInteger> counts) {
    Window(long start) {
      this(start, new ConcurrentHashMap<>());
    }
  }

  /** Counts one request from {@code address}; false when its allowance for this minute is spent. */
  boolean allow(String address, long now) {
    Window w = window;
    if (now - w.start >= WINDOW_MS) {
      synchronized (this) {
        w = window;
        if (now - w.start >= WINDOW_MS) {
          w = new Window(now - now % WINDOW_MS);
          window = w;
        }
      }
    }
    String key = w.counts.size() >= MAX_ADDRESSES && !w.counts.containsKey(address) ? OVERFLOW : address;
    return w.counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() <= perMinute;
  }

  /** Seconds until the current window ends (the Retry-After of a refusal). */
  long retryAfterSeconds(long now) {
    return Math.max(1, (window.start + WINDOW_MS - now + 999) / 1000);
  }
}
