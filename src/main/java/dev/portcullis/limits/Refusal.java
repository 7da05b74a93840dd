package dev.portcullis.limits;

/**
 * Why a request was not let through, and when trying again may help.
 *
 * @param retryAfterNanos time until the limit may allow it, or -1 when waiting will not help
 * @param rate the rate limits (the key's, or the persona's when that limit refused) at refusal time, or null
 * @param param the request field at fault (for {@link Kind#INVALID_REQUEST}, model_not_allowed), or null
 * @param scope the kind of scope whose limit refused ({@link Scope#KEY}, {@link Scope#TEAM}, {@link Scope#PERSONA},
 *     {@link Scope#USER}, {@link Scope#TOOL}), or null when no scope refused (a malformed request)
 * @param subject which one of that kind: the key id, team id, persona name, user id or tool rule's pattern
 */
public record Refusal(Kind kind, String message, long retryAfterNanos, RateState rate, String param, String scope,
    String subject) {
  public enum Kind {
    MODEL_NOT_ALLOWED, REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE, PARALLEL_REQUESTS, KEY_BUDGET, TEAM_BUDGET, PERSONA_BUDGET,
    /** A number the limits must account (max_tokens, n) is not one they can: not an integer, or below 1. */
    INVALID_REQUEST,
    /** The cluster's shared counters could not be reached, and the cluster fails closed. */
    SHARED_LIMITS_UNAVAILABLE;

    /** The limit's name as configured (rpm, tpm, max_parallel, budget_usd), or null for refusals of no limit. */
    public String limit() {
      return switch (this) {
        case REQUESTS_PER_MINUTE -> "rpm";
        case TOKENS_PER_MINUTE -> "tpm";
        case PARALLEL_REQUESTS -> "max_parallel";
        case KEY_BUDGET, TEAM_BUDGET, PERSONA_BUDGET -> "budget_usd";
        case MODEL_NOT_ALLOWED -> "models";
        case INVALID_REQUEST, SHARED_LIMITS_UNAVAILABLE -> null;
      };
    }
  }

  public Refusal(Kind kind, String message, long retryAfterNanos, RateState rate, String param) {
    this(kind, message, retryAfterNanos, rate, param, null, null);
  }

  public Refusal(Kind kind, String message, long retryAfterNanos, RateState rate) {
    this(kind, message, retryAfterNanos, rate, kind == Kind.MODEL_NOT_ALLOWED ? "model" : null);
  }

  /** The limits are shared by the replicas of a cluster and cannot be reached now ({@code cluster.fail: closed}). */
  public static Refusal sharedLimitsUnavailable() {
    return new Refusal(Kind.SHARED_LIMITS_UNAVAILABLE, "The gateway cannot reach the limits its replicas share (Redis)"
        + " and refuses governed requests until it can (cluster.fail: closed). Retry shortly.", 1_000_000_000L, null);
  }

  /** The same refusal, naming the scope that gave it. */
  Refusal in(String scope, String subject) {
    return new Refusal(kind, message, retryAfterNanos, rate, param, scope, subject);
  }

  /** The same refusal with the rate limits to report, when it carries none of its own. */
  Refusal orRate(RateState r) {
    return rate != null || r == null ? this : new Refusal(kind, message, retryAfterNanos, r, param, scope, subject);
  }
}
