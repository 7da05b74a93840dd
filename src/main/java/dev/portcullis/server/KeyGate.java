package dev.portcullis.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.identity.Principal;
import dev.portcullis.limits.Accountant;
import dev.portcullis.limits.RateState;
import dev.portcullis.limits.Refusal;
import dev.portcullis.llm.InvalidParameterException;
import dev.portcullis.llm.RequestedCompletion;
import dev.portcullis.llm.TokenCounter;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Puts the limits in front of the LLM routes: asks the {@link Accountant} to admit the request
 * (allowed models, parallel requests, RPM, TPM, budgets of the key, its team and the persona) and maps its answer to HTTP: OpenAI's
 * {@code x-ratelimit-*} headers on every answer, and on refusal 429 (rate) or 403 (model not
 * allowed, budget) with {@code Retry-After}. Shared by every event loop.
 */
public final class KeyGate {
  static final String PRINCIPAL = "portcullis.principal";

  private final Accountant accountant;
  private final TokenCounter tokens;

  public KeyGate(Accountant accountant, TokenCounter tokens) {
    this.accountant = accountant;
    this.tokens = tokens;
  }

  /**
   * Admits the request (which must then reach the proxy, whose observer settles it) or returns
   * why not. Sets the rate-limit headers either way. A max_tokens, max_completion_tokens or n that
   * is not a positive integer is refused here (400, naming the field): the limits cannot reserve
   * for it, and guessing (a string read as 0, 1.5 as 1) would reserve for a different request
   * than the upstream receives.
   */
  public Refusal admit(RoutingContext ctx, String model, JsonNode body) {
    Principal p = ctx.get(PRINCIPAL);
    String requestId = ctx.get(GatewayVerticle.REQUEST_ID);
    RequestedCompletion asked;
    try {
      asked = RequestedCompletion.read(body);
    } catch (InvalidParameterException e) {
      return new Refusal(Refusal.Kind.INVALID_REQUEST, e.getMessage(), -1, null, e.param());
    }
    Accountant.Admission a = accountant.admit(requestId, p, model, () -> tokens.countPrompt(model, body),
        asked.maxTokens(), asked.choices());
    HttpServerResponse response = ctx.response();
    if (a.refusal() != null) {
      rateHeaders(response, a.refusal().rate());
      long retry = a.refusal().retryAfterNanos();
      if (retry >= 0) {
        long seconds = retry / 1_000_000_000L + (retry % 1_000_000_000L == 0 ? 0 : 1); // rounded up, cannot wrap
        response.putHeader("retry-after", Long.toString(Math.max(1, seconds)));
        response.putHeader("retry-after-ms", Long.toString(Math.max(1, retry / 1_000_000L)));
      }
      return a.refusal();
    }
    rateHeaders(response, a.ticket().rate());
    return null;
  }

  /** Answers a refusal in OpenAI's error shape. */
  public static void respond(OpenAiErrors errors, HttpServerResponse response, Refusal r) {
    errors.respond(response, status(r), type(r), code(r), r.param(), r.message());
  }

  public static int status(Refusal r) {
    return switch (r.kind()) {
      case REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE, PARALLEL_REQUESTS -> 429;
      case MODEL_NOT_ALLOWED, KEY_BUDGET, TEAM_BUDGET, PERSONA_BUDGET -> 403;
      case INVALID_REQUEST -> 400;
    };
  }

  public static String type(Refusal r) {
    return switch (r.kind()) {
      case REQUESTS_PER_MINUTE, PARALLEL_REQUESTS -> "requests";
      case TOKENS_PER_MINUTE -> "tokens";
      case MODEL_NOT_ALLOWED, INVALID_REQUEST -> "invalid_request_error";
      case KEY_BUDGET, TEAM_BUDGET, PERSONA_BUDGET -> "insufficient_quota";
    };
  }

  public static String code(Refusal r) {
    return switch (r.kind()) {
      case REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE -> "rate_limit_exceeded";
      case PARALLEL_REQUESTS -> "parallel_requests_exceeded";
      case MODEL_NOT_ALLOWED -> "model_not_allowed";
      case INVALID_REQUEST -> "invalid_value";
      case KEY_BUDGET -> "key_budget_exceeded";
      case TEAM_BUDGET -> "team_budget_exceeded";
      case PERSONA_BUDGET -> "persona_budget_exceeded";
    };
  }

  private static void rateHeaders(HttpServerResponse response, RateState s) {
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
      return frac == 0 ? s + "s" : s + "." + String.format("%03d", frac).replaceAll("0+$", "") + "s";
    }
    return (s / 60) + "m" + (s % 60) + "s";
  }
}
