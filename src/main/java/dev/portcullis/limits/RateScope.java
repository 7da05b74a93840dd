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
    return new Refusal(Refusal.Kind.PARALLEL_REQUESTS, "Too many parallel requests for " + who + ": limit "
        + l.maxParallel + ". Wait for one to finish.", 1_000_000_000L, l.state());
  }

  static Refusal rpmRefusal(String who, KeyLimiter l, long wait) {
    return new Refusal(Refusal.Kind.REQUESTS_PER_MINUTE, "Rate limit reached for " + who + " on requests per min"
        + " (RPM): Limit " + l.rpm + ". Please try again in " + seconds(wait) + ".", wait, l.state());
  }

  private static Refusal tpmRefusal(String who, KeyLimiter l, long tokens, long wait) {
    String msg = wait == Long.MAX_VALUE
        ? "Request too large for " + (who.startsWith("this") ? who + "'s" : "the " + who + "'s")
            + " tokens per min (TPM): Limit " + l.tpm + ", Requested " + tokens + ". Lower max_tokens or the prompt."
        : "Rate limit reached for " + who + " on tokens per min (TPM): Limit " + l.tpm + ", Requested " + tokens
            + ". Please try again in " + seconds(wait) + ".";
    return new Refusal(Refusal.Kind.TOKENS_PER_MINUTE, msg, wait == Long.MAX_VALUE ? -1 : wait, l.state());
  }

  static String seconds(long nanos) {
    double s = nanos / 1e9;
    return s < 1 ? Math.max(1, Math.round(s * 1000)) + "ms" : String.format(java.util.Locale.ROOT, "%.3fs", s);
  }
}
