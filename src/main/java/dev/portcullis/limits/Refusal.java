package dev.portcullis.limits;

/**
 * Why a request was not let through, and when trying again may help.
 *
 * @param retryAfterNanos time until the limit may allow it, or -1 when waiting will not help
 * @param rate the rate limits (the key's, or the persona's when that limit refused) at refusal time, or null
 * @param param the request field at fault (for {@link Kind#INVALID_REQUEST}, model_not_allowed), or null
 */
public record Refusal(Kind kind, String message, long retryAfterNanos, RateState rate, String param) {
  public enum Kind {
    MODEL_NOT_ALLOWED, REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE, PARALLEL_REQUESTS, KEY_BUDGET, TEAM_BUDGET, PERSONA_BUDGET,
    /** A number the limits must account (max_tokens, n) is not one they can: not an integer, or below 1. */
    INVALID_REQUEST
  }

  public Refusal(Kind kind, String message, long retryAfterNanos, RateState rate) {
    this(kind, message, retryAfterNanos, rate, kind == Kind.MODEL_NOT_ALLOWED ? "model" : null);
  }
}
