package dev.portcullis.pipeline;

import dev.portcullis.llm.CallSummary;

/**
 * How a call ended, as every stage's {@code finish} sees it.
 *
 * @param status the status the client saw (HTTP-style, 499 when it went away first; on MCP the
 *     JSON-RPC error code, 0 for a result)
 * @param label the audit trail's outcome: ok, refused, rate_limited, upstream_error, client_closed...
 * @param refused the refusal, when a stage or the surface refused the call; else null
 * @param served what the model upstream reported, when the call reached it; else null
 */
public record Outcome(Kind kind, int status, String label, Refused refused, CallSummary served) {
  public enum Kind {
    /** Answered (by the upstream or, for a question the gateway answers itself, by the gateway). */
    OK,
    /** A stage or the surface refused it: nothing went upstream. */
    REFUSED,
    /** It went upstream and failed there (or on the way). */
    FAILED,
    /** The client left before the answer was complete. */
    ABORTED
  }

  static final String CLIENT_CLOSED = "client_closed";

  public static Outcome refused(Refused r) {
    return refused(r, r.status());
  }

  /** @param status the refusal's number on its surface (HTTP status, or MCP's JSON-RPC error code) */
  public static Outcome refused(Refused r, int status) {
    return new Outcome(Kind.REFUSED, status, r.auditOutcome(), r, null);
  }

  /**
   * What an MCP upstream answered (or how sending to it failed).
   *
   * @param label ok, tool_error (the tool reported an error), input_required, or error
   * @param code the JSON-RPC error code of an error, else 0
   */
  public static Outcome replied(String label, int code) {
    return new Outcome("error".equals(label) ? Kind.FAILED : Kind.OK, code, label, null, null);
  }

  /** A call the gateway answered itself, without an upstream (count_tokens from the local tokenizer). */
  public static Outcome answered(int status) {
    return new Outcome(status < 400 ? Kind.OK : Kind.FAILED, status, status < 400 ? "ok" : "error", null, null);
  }

  /** The client left before the call went upstream (while it waited for an approval). */
  public static Outcome aborted() {
    return new Outcome(Kind.ABORTED, 499, CLIENT_CLOSED, null, null);
  }

  /** The gateway itself failed before the call went upstream. */
  public static Outcome failed(int status, String label) {
    return new Outcome(Kind.FAILED, status, label, null, null);
  }

  /** What the model proxy reported about a call it took. */
  public static Outcome served(CallSummary s) {
    Kind k = "ok".equals(s.outcome()) ? Kind.OK : CLIENT_CLOSED.equals(s.outcome()) ? Kind.ABORTED : Kind.FAILED;
    return new Outcome(k, s.status(), s.outcome(), null, s);
  }
}
