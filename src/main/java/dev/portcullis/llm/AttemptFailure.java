package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;

/**
 * Why one upstream attempt failed before anything reached the client.
 *
 * @param reason short metric label: connect, reset, timeout_connect, timeout_first_byte,
 *     timeout_total, http_429, http_500, too_large, invalid_response, ...
 * @param status the upstream's HTTP status, or 0 when it never answered
 * @param detail what the client may be told: the gateway's own words or the provider's error
 *     message, never transport internals (addresses, resolver errors)
 * @param logDetail the full story for the gateway log, which may quote the upstream
 * @param retryAfterMs what the upstream asked us to wait, or -1
 * @param body the upstream's error body (capped) to relay, or null
 */
record AttemptFailure(Deployment deployment, String reason, int status, String detail, String logDetail,
    long retryAfterMs, Buffer body, boolean retryable) {
  static final String INVALID_RESPONSE = "invalid_response";

  /** The upstream answered, but not in its protocol: another deployment may do better. */
  static AttemptFailure invalid(Deployment d, int status, String logDetail) {
    return new AttemptFailure(d, INVALID_RESPONSE, status, "sent a response that is not valid for its API",
        logDetail, -1, null, true);
  }

  /** The connection failed or broke; the cause's text stays in the log. */
  static AttemptFailure transport(Deployment d, String reason, int status, String logDetail) {
    String detail = switch (reason) {
      case "connect" -> "could not be connected to";
      case "timeout_connect" -> "could not be connected to in time";
      default -> "closed the connection before its answer was complete";
    };
    return new AttemptFailure(d, reason, status, detail, logDetail, -1, null, true);
  }

  boolean timeout() {
    return reason.startsWith("timeout");
  }

  boolean invalidResponse() {
    return reason.equals(INVALID_RESPONSE);
  }
}
