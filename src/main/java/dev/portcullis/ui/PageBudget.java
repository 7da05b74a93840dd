package dev.portcullis.ui;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each signed-in operator's page budget: {@code perSecond} pages a second, with a burst of
 * {@link #BURST_SECONDS} seconds' worth (a page and its htmx parts, a few tabs at once). A script
 * holding one session, or a browser stuck reloading, is refused long before it could take the
 * store's or the gateway's time from the data plane; the per-address rate limit stays beside it.
 * Counted per replica; memory stays bounded by the number of sessions.
 */
final class PageBudget {
  static final int BURST_SECONDS = 3;
  /** A budget untouched this long is full again anyway: it is dropped when the sessions counted grow past the cap. */
  private static final long IDLE_MS = BURST_SECONDS * 1000L;

  private final double perSecond;
  private final double burst;
  private final int maxSessions;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  PageBudget(int perSecond, int maxSessions) {
    this.perSecond = perSecond;
    this.burst = (double) perSecond * BURST_SECONDS;
    this.maxSessions = maxSessions;
  }

  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  /**
   * Takes one page from the session's budget: 0 when it had one, else the seconds until it has
   * one again (the Retry-After of the refusal).
   */
  long take(String session, long now) {
    if (buckets.size() >= maxSessions && !buckets.containsKey(session)) {
      buckets.values().removeIf(b -> now - b.at >= IDLE_MS);
    }
    Bucket b = buckets.computeIfAbsent(session, s -> new Bucket(burst, now));
    synchronized (b) {
      b.tokens = Math.min(burst, b.tokens + (now - b.at) * perSecond / 1000.0);
      b.at = now;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - b.tokens) / perSecond));
    }
  }

  /** Forgets a session's budget (at sign-out). */
  void forget(String session) {
    buckets.remove(session);
  }

  int perSecond() {
    return (int) perSecond;
  }
}
