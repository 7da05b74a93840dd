package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;

/**
 * Why one upstream attempt failed before anything reached the client.
 *
 * @param reason short metric label: connect, reset, timeout_connect, timeout_first_byte,
 *     timeout_total, http_429, http_500, too_large, ...
 * @param status the upstream's HTTP status, or 0 when it never answered
 * @param retryAfterMs what the upstream asked us to wait, or -1
 * @param body the upstream's error body (capped), or null
 */
record AttemptFailure(Deployment deployment, String reason, int status, String detail, long retryAfterMs,
    Buffer body, boolean retryable) {

  boolean timeout() {
    return reason.startsWith("timeout");
  }
}
