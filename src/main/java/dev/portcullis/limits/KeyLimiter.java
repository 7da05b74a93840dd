package dev.portcullis.limits;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One key's request-rate and token-rate buckets (Bucket4j, refilled greedily over a minute) and
 * its count of requests in flight. Built for one set of limits; a key whose limits change gets
 * a new limiter, and a persona whose limits a reload changes gets a {@link #retuned} one that
 * carries its window and in-flight count over. The in-flight count counts every entered call,
 * with or without a max_parallel, so that a call entered before a reload and left after it
 * always gives back exactly what it took.
 */
public final class KeyLimiter {
  private static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();

  final Integer rpm;
  final Long tpm;
  final Integer maxParallel;
  private final Bucket requests;
  private final Bucket tokens;
  private final AtomicInteger inFlight;

  KeyLimiter(Integer rpm, Long tpm, Integer maxParallel) {
    this(rpm, tpm, maxParallel, null, null, new AtomicInteger());
  }

  /** With the given buckets (null: new ones where a limit needs one) and in-flight count. */
  private KeyLimiter(Integer rpm, Long tpm, Integer maxParallel, Bucket requests, Bucket tokens,
      AtomicInteger inFlight) {
    this.rpm = rpm;
    this.tpm = tpm;
    this.maxParallel = maxParallel;
    this.requests = rpm == null ? null : requests != null ? requests : perMinute(rpm);
    // Bucket4j refills at most one token per nanosecond; a limit above that cannot bind anyway.
    this.tokens = !boundingTpm(tpm) ? null : tokens != null ? tokens : perMinute(tpm);
    this.inFlight = inFlight;
  }

  private static boolean boundingTpm(Long tpm) {
    return tpm != null && tpm <= MINUTE_NANOS;
  }

  private static Bucket perMinute(long n) {
    return Bucket.builder().addLimit(limit -> limit.capacity(n).refillGreedy(n, Duration.ofMinutes(1))).build();
  }

  private static BucketConfiguration perMinuteConfiguration(long n) {
    return BucketConfiguration.builder()
        .addLimit(limit -> limit.capacity(n).refillGreedy(n, Duration.ofMinutes(1))).build();
  }

  /**
   * A limiter with new numbers that shares this one's state: the same in-flight count, and the
   * same buckets reconfigured, so what was used in the current minute stays used (a window of 60
   * with 50 used becomes, at 100, one with 50 left; at 40, one that waits) and what calls admitted
   * before give back (a refused token reservation, a settlement) lands in the bucket in force.
   * Calls admitted before keep this limiter and release through it. A limit added starts full; a
   * limit removed drops its bucket.
   */
  KeyLimiter retuned(Integer rpm, Long tpm, Integer maxParallel) {
    if (sameLimits(rpm, tpm, maxParallel)) {
      return this;
    }
    Bucket req = rpm == null || requests == null ? null : reconfigured(requests, rpm);
    Bucket tok = !boundingTpm(tpm) || tokens == null ? null : reconfigured(tokens, tpm);
    return new KeyLimiter(rpm, tpm, maxParallel, req, tok, inFlight);
  }

  private static Bucket reconfigured(Bucket bucket, long perMinute) {
    // ADDITIVE: the available tokens move by the change of capacity, so the used part carries over
    bucket.replaceConfiguration(perMinuteConfiguration(perMinute), TokensInheritanceStrategy.ADDITIVE);
    return bucket;
  }

  /** Whether any of rpm, tpm, max_parallel is set. */
  boolean limits() {
    return rpm != null || tpm != null || maxParallel != null;
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
      inFlight.incrementAndGet();
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
    inFlight.decrementAndGet();
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
