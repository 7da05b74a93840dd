package dev.portcullis.server;

import dev.portcullis.limits.RateState;
import dev.portcullis.limits.Refusal;
import dev.portcullis.pipeline.Refused;
import io.vertx.core.http.HttpServerResponse;

/**
 * Maps the pipeline's refusals to the LLM surfaces' wire shapes: OpenAI's and Anthropic's error
 * bodies, OpenAI's {@code x-ratelimit-*} headers on every answer of a limited caller, and
 * {@code Retry-After} when waiting helps. Rules stay in the stages; this is translation only.
 */
final class RefusalReplies {
  private RefusalReplies() {}

  /** Answers a refusal in OpenAI's error shape. */
  static void openAi(OpenAiErrors errors, HttpServerResponse response, Refused r) {
    Refusal limit = r.limit();
    if (limit != null) {
      limitHeaders(response, limit);
      errors.respond(response, r.status(), type(limit), code(limit), limit.param(), limit.message());
      return;
    }
    errors.respond(response, r.status(), "invalid_request_error", r.code(), r.param(), r.getMessage());
  }

  /** Answers a refusal in Anthropic's error shape (whose type follows the status; the code names it for the access log). */
  static void anthropic(AnthropicErrors errors, HttpServerResponse response, Refused r) {
    Refusal limit = r.limit();
    if (limit != null) {
      limitHeaders(response, limit);
      errors.respond(response, r.status(), type(limit), code(limit), limit.message());
      return;
    }
    errors.respond(response, r.status(), r.status() == 403 ? "permission_error" : "invalid_request_error", r.code(),
        r.getMessage());
  }

  static String type(Refusal r) {
    return switch (r.kind()) {
      case REQUESTS_PER_MINUTE, PARALLEL_REQUESTS -> "requests";
      case TOKENS_PER_MINUTE -> "tokens";
      case MODEL_NOT_ALLOWED, INVALID_REQUEST -> "invalid_request_error";
      case KEY_BUDGET, TEAM_BUDGET, PERSONA_BUDGET -> "insufficient_quota";
      case SHARED_LIMITS_UNAVAILABLE -> "service_unavailable";
    };
  }

  static String code(Refusal r) {
    return switch (r.kind()) {
      case REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE -> "rate_limit_exceeded";
      case PARALLEL_REQUESTS -> "parallel_requests_exceeded";
      case MODEL_NOT_ALLOWED -> "model_not_allowed";
      case INVALID_REQUEST -> "invalid_value";
      case KEY_BUDGET -> "key_budget_exceeded";
      case TEAM_BUDGET -> "team_budget_exceeded";
      case PERSONA_BUDGET -> "persona_budget_exceeded";
      case SHARED_LIMITS_UNAVAILABLE -> ClusterGate.CODE;
    };
  }

  private static void limitHeaders(HttpServerResponse response, Refusal r) {
    rateHeaders(response, r.rate());
    long retry = r.retryAfterNanos();
    if (retry >= 0) {
      long seconds = retry / 1_000_000_000L + (retry % 1_000_000_000L == 0 ? 0 : 1); // rounded up, cannot wrap
      response.putHeader("retry-after", Long.toString(Math.max(1, seconds)));
      response.putHeader("retry-after-ms", Long.toString(Math.max(1, retry / 1_000_000L)));
    }
  }

  /** OpenAI's rate-limit headers, when the caller has rate limits (null: none). */
  static void rateHeaders(HttpServerResponse response, RateState s) {
    if (s == null) {
      return;
    }
    if (s.limitRequests() >= 0) {
      response.putHeader("x-ratelimit-limit-requests", Long.toString(s.limitRequests()));
      response.putHeader("x-ratelimit-remaining-requests", Long.toString(s.remainingRequests()));
      response.putHeader("x-ratelimit-reset-requests", duration(s.resetRequestsNanos()));
    }
    if (s.limitTokens() >= 0) {
      response.putHeader("x-ratelimit-limit-tokens", Long.toString(s.limitTokens()));
      response.putHeader("x-ratelimit-remaining-tokens", Long.toString(s.remainingTokens()));
      response.putHeader("x-ratelimit-reset-tokens", duration(s.resetTokensNanos()));
    }
  }

  /** OpenAI's reset format: 1s, 6m0s, 20ms. */
  static String duration(long nanos) {
    long ms = nanos / 1_000_000;
    if (ms < 1000) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s < 60) {
      long frac = ms % 1000;
      if (frac == 0) {
        return s + "s";
      }
      String millis = Long.toString(1000 + frac); // "1050" for 50: the three digits after the point
      int end = millis.length();
      while (millis.charAt(end - 1) == '0') {
        end--;
      }
      return s + "." + millis.substring(1, end) + "s"; // every request with rate limits pays for this
    }
    return (s / 60) + "m" + (s % 60) + "s";
  }
}
