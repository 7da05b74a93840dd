package dev.portcullis.limits;

import java.util.function.Supplier;

/**
 * A call's hold on one rate limiter (a key's, a persona's, a user's or a tool rule's): a
 * parallel slot, a request from the per-minute bucket and tokens from the token bucket, each
 * taken only when the limiter has that limit.
 */
final class RateScope implements Scope {
  final KeyLimiter limiter;
  private final String kind;
  private final String subject;
  /** How refusals name it: "this API key", "persona 'support'". */
  private final String who;
  private boolean entered;
  private boolean request;
  private long tokens;

  RateScope(KeyLimiter limiter, String kind, String subject, String who) {
    this.limiter = limiter;
    this.kind = kind;
    this.subject = subject;
    this.who = who;
  }

  @Override
  public Supplier<Refusal> reserve(Need need, long now) {
    if (!limiter.tryEnter()) {
      return () -> parallelRefusal(who, limiter).in(kind, subject);
    }
    entered = true;
    long wait = limiter.takeRequest();
    if (wait >= 0) {
      return () -> rpmRefusal(who, limiter, wait).in(kind, subject);
    }
    request = true;
    if (limiter.hasTokenLimit()) {
      long n = need.tokens();
      long tokenWait = limiter.takeTokens(n);
      if (tokenWait >= 0) {
        return () -> tpmRefusal(who, limiter, n, tokenWait).in(kind, subject);
      }
      tokens = n;
    }
    return null;
  }

  @Override
  public void share(SharedPlan plan, Need need, long now) {
    String id = subject == null ? "" : subject;
    if (limiter.maxParallel != null) {
      int max = limiter.maxParallel;
      plan.add(SharedLimits.Type.SLOTS, SharedPlan.Role.PARALLEL, kind + ":parallel:" + id, max, 1, 0, 0,
          (held, wait, at) -> parallelRefusal(who, max, null).in(kind, subject));
    }
    int requests = -1;
    if (limiter.rpm != null) {
      long rpm = limiter.rpm;
      requests = plan.add(SharedLimits.Type.WINDOW, SharedPlan.Role.REQUESTS, kind + ":rpm:" + id, rpm, 1, 0, 0,
          (sum, wait, at) -> rpmRefusal(who, rpm, wait * 1_000_000L, windowState(rpm, sum, wait, null)).in(kind,
              subject));
    }
    int tokens = -1;
    if (limiter.hasTokenLimit()) {
      long tpm = limiter.tpm;
      long n = need.tokens();
      if (n > tpm) {
        plan.refuse(tpmRefusal(who, tpm, n, Long.MAX_VALUE, null).in(kind, subject));
        return;
      }
      tokens = plan.add(SharedLimits.Type.WINDOW, SharedPlan.Role.TOKENS, kind + ":tpm:" + id, tpm, n, 0, 0,
          (sum, wait, at) -> tpmRefusal(who, tpm, n, wait * 1_000_000L, windowState(null, 0, 0,
              new long[] {tpm, sum, wait})).in(kind, subject));
    }
    if (requests >= 0 || tokens >= 0) {
      plan.rateView(requests, limiter.rpm == null ? -1 : limiter.rpm, tokens, tokens < 0 ? -1 : limiter.tpm);
    }
  }

  /** A shared window's x-ratelimit-* view at refusal: requests (rpm, sum, wait) or tokens {tpm, sum, wait}. */
  private static RateState windowState(Long rpm, long sum, long waitMs, long[] tokens) {
    if (rpm != null) {
      return new RateState(rpm, Math.max(0, rpm - sum), waitMs * 1_000_000L, -1, -1, -1);
    }
    return new RateState(-1, -1, -1, tokens[0], Math.max(0, tokens[0] - tokens[1]), tokens[2] * 1_000_000L);
  }

  @Override
  public void settle(Unwinding u, long actualTokens, long costNanos, long now) {
    u.run(() -> limiter.settleTokens(tokens, actualTokens));
    u.run(this::exit);
  }

  @Override
  public void release(Unwinding u) {
    u.run(() -> limiter.settleTokens(tokens, 0));
    if (request) {
      u.run(limiter::giveBackRequest);
    }
    u.run(this::exit);
  }

  private void exit() {
    if (entered) {
      entered = false;
      limiter.exit();
    }
  }

  @Override
  public RateState rate() {
    return limiter.rpm == null && limiter.tpm == null ? null : limiter.state();
  }

  static Refusal parallelRefusal(String who, KeyLimiter l) {
    return parallelRefusal(who, l.maxParallel, l.state());
  }

  private static Refusal parallelRefusal(String who, int maxParallel, RateState state) {
    return new Refusal(Refusal.Kind.PARALLEL_REQUESTS, "Too many parallel requests for " + who + ": limit "
        + maxParallel + ". Wait for one to finish.", 1_000_000_000L, state);
  }

  static Refusal rpmRefusal(String who, KeyLimiter l, long wait) {
    return rpmRefusal(who, l.rpm, wait, l.state());
  }

  private static Refusal rpmRefusal(String who, long rpm, long wait, RateState state) {
    return new Refusal(Refusal.Kind.REQUESTS_PER_MINUTE, "Rate limit reached for " + who + " on requests per min"
        + " (RPM): Limit " + rpm + ". Please try again in " + seconds(wait) + ".", wait, state);
  }

  private static Refusal tpmRefusal(String who, KeyLimiter l, long tokens, long wait) {
    return tpmRefusal(who, l.tpm, tokens, wait, l.state());
  }

  private static Refusal tpmRefusal(String who, long tpm, long tokens, long wait, RateState state) {
    String msg = wait == Long.MAX_VALUE
        ? "Request too large for " + (who.startsWith("this") ? who + "'s" : "the " + who + "'s")
            + " tokens per min (TPM): Limit " + tpm + ", Requested " + tokens + ". Lower max_tokens or the prompt."
        : "Rate limit reached for " + who + " on tokens per min (TPM): Limit " + tpm + ", Requested " + tokens
            + ". Please try again in " + seconds(wait) + ".";
    return new Refusal(Refusal.Kind.TOKENS_PER_MINUTE, msg, wait == Long.MAX_VALUE ? -1 : wait, state);
  }

  static String seconds(long nanos) {
    double s = nanos / 1e9;
    return s < 1 ? Math.max(1, Math.round(s * 1000)) + "ms" : String.format(java.util.Locale.ROOT, "%.3fs", s);
  }
}
