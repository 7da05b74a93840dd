package dev.portcullis.limits;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One key's request-rate and token-rate buckets (Bucket4j, refilled greedily over a minute) and
 * its count of requests in flight. Built for one set of limits; a key whose limits change gets
 * a new limiter.
 */
public final class KeyLimiter {
  private static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();

  final Integer rpm;
  final Long tpm;
  final Integer maxParallel;
  private final Bucket requests;
  private final Bucket tokens;
  private final AtomicInteger inFlight = new AtomicInteger();

  KeyLimiter(Integer rpm, Long tpm, Integer maxParallel) {
    this.rpm = rpm;
    this.tpm = tpm;
    this.maxParallel = maxParallel;
    this.requests = rpm == null ? null : perMinute(rpm);
    // Bucket4j refills at most one token per nanosecond; a limit above that cannot bind anyway.
    this.tokens = tpm == null || tpm > MINUTE_NANOS ? null : perMinute(tpm);
  }

  private static Bucket perMinute(long n) {
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(n).refillGreedy(n, Duration.ofMinutes(1)))
        .build();
  }

  boolean sameLimits(Integer rpm, Long tpm, Integer maxParallel) {
    return Objects.equals(this.rpm, rpm) && Objects.equals(this.tpm, tpm)
        && Objects.equals(this.maxParallel, maxParallel);
  }

  boolean hasTokenLimit() {
    return tokens != null;
  }

  boolean tryEnter() {
    if (maxParallel == null) {
      return true;
    }
    while (true) {
      int n = inFlight.get();
      if (n >= maxParallel) {
        return false;
      }
      if (inFlight.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void exit() {
    if (maxParallel != null) {
      inFlight.decrementAndGet();
    }
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Nothing in flight and both buckets full: the state a new limiter starts in, so dropping it loses nothing. */
  boolean idle() {
    return inFlight.get() == 0 && (requests == null || requests.getAvailableTokens() >= rpm)
        && (tokens == null || tokens.getAvailableTokens() >= tpm);
  }

  /** Takes one request; on refusal, the nanoseconds until one is available, else -1. */
  long takeRequest() {
    if (requests == null) {
      return -1;
    }
    ConsumptionProbe p = requests.tryConsumeAndReturnRemaining(1);
    return p.isConsumed() ? -1 : Math.max(1, p.getNanosToWaitForRefill());
  }

  void giveBackRequest() {
    if (requests != null) {
      requests.addTokens(1);
    }
  }

  /** Reserves {@code n} tokens; on refusal, the nanoseconds until they are available, else -1. */
  long takeTokens(long n) {
    if (tokens == null || n <= 0) {
      return -1;
    }
    if (n > tpm) {
      return Long.MAX_VALUE; // can never fit
    }
    ConsumptionProbe p = tokens.tryConsumeAndReturnRemaining(n);
    return p.isConsumed() ? -1 : Math.max(1, p.getNanosToWaitForRefill());
  }

  /**
   * Settles a reservation of {@code reserved} tokens (not negative) with the {@code actual} count;
   * a negative count gives back no more than was reserved. An overrun is owed, but at most one
   * minute's worth of tokens: enough to make the key wait a window, not to lock it out for days
   * because an upstream over-reported (and Bucket4j throws on a debt whose refill time overflows).
   */
  void settleTokens(long reserved, long actual) {
    if (tokens == null) {
      return;
    }
    long used = Math.max(0, actual);
    if (used < reserved) {
      tokens.addTokens(reserved - used);
    } else if (used > reserved) {
      tokens.consumeIgnoringRateLimits(Math.min(used - reserved, tpm));
    }
  }

  /** The x-ratelimit-* view of this limiter now. */
  RateState state() {
    long remReq = requests == null ? -1 : Math.max(0, requests.getAvailableTokens());
    long remTok = tokens == null ? -1 : Math.max(0, tokens.getAvailableTokens());
    return new RateState(rpm == null ? -1 : rpm, remReq, rpm == null ? -1 : untilFull(rpm, remReq),
        tokens == null ? -1 : tpm, remTok, tokens == null ? -1 : untilFull(tpm, remTok));
  }

  private static long untilFull(long capacity, long available) {
    return (long) ((capacity - available) * (double) MINUTE_NANOS / capacity);
  }
}
