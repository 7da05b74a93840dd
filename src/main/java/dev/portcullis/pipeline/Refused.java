package dev.portcullis.pipeline;

import dev.portcullis.limits.Refusal;

/**
 * A stage's refusal of a call, surface-neutral: each surface maps it to its own wire shape. Not an
 * error of the gateway, so it carries no stack trace.
 *
 * @see Reason
 */
public final class Refused extends RuntimeException {
  /** Why, as the surfaces tell it apart. */
  public enum Reason {
    /** A persona grant or policy rule denied the call. */
    POLICY_DENIED,
    /** A rule requires approval and none was given in time; the approval stays open. */
    APPROVAL_PENDING,
    /** An administrator denied the approval the call waited for. */
    APPROVAL_DENIED,
    /** A guard rule blocked the content. */
    GUARD_BLOCKED,
    /** A limit (rate, parallel, budget, allowed models) refused it; see {@link #limit()}. */
    LIMIT,
    /** A field the stages must read is not valid (max_tokens not a positive integer...). */
    INVALID_REQUEST
  }

  private final Reason reason;
  private final int status;
  private final String code;
  private final String rule;
  private final String findings;
  private final Refusal limit;
  private final String param;
  private final String approvalId;

  private Refused(Reason reason, int status, String code, String message, String rule, String findings,
      Refusal limit, String param, String approvalId) {
    super(message, null, false, false);
    this.reason = reason;
    this.status = status;
    this.code = code;
    this.rule = rule;
    this.findings = findings;
    this.limit = limit;
    this.param = param;
    this.approvalId = approvalId;
  }

  public static Refused policy(String rule, String message) {
    return new Refused(Reason.POLICY_DENIED, 403, "policy_denied", message, rule, null, null, null, null);
  }

  public static Refused approvalPending(String rule, String approvalId, String message) {
    return new Refused(Reason.APPROVAL_PENDING, 403, "approval_required", message, rule, null, null, null,
        approvalId);
  }

  public static Refused approvalDenied(String rule, String approvalId, String message) {
    return new Refused(Reason.APPROVAL_DENIED, 403, "approval_denied", message, rule, null, null, null, approvalId);
  }

  /** @param findings the data types the guard found, comma-separated */
  public static Refused guard(String rule, String findings, String message) {
    return new Refused(Reason.GUARD_BLOCKED, 400, "guard_blocked", message, rule, findings, null, null, null);
  }

  public static Refused limit(Refusal r) {
    int status = switch (r.kind()) {
      case REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE, PARALLEL_REQUESTS -> 429;
      case MODEL_NOT_ALLOWED, KEY_BUDGET, TEAM_BUDGET, PERSONA_BUDGET -> 403;
      case INVALID_REQUEST -> 400;
      case SHARED_LIMITS_UNAVAILABLE -> 503;
    };
    return new Refused(r.kind() == Refusal.Kind.INVALID_REQUEST ? Reason.INVALID_REQUEST : Reason.LIMIT, status,
        null, r.message(), null, null, r, r.param(), null);
  }

  /** A refusal the surface made before the stages (bad body, unknown model), for the audit trail. */
  public static Refused atEdge(int status, String code, String message) {
    return new Refused(Reason.INVALID_REQUEST, status, code, message, null, null, null, null, null);
  }

  public Reason reason() {
    return reason;
  }

  /** The HTTP-style class of the refusal (400 bad input, 403 not allowed, 404 unknown, 429 too many). */
  public int status() {
    return status;
  }

  /** A short machine-readable code (policy_denied, guard_blocked...), or null for limits (see {@link #limit()}). */
  public String code() {
    return code;
  }

  /** The rule or policy that refused, or null. */
  public String rule() {
    return rule;
  }

  /** The data types the guard found (comma-separated), or null. */
  public String findings() {
    return findings;
  }

  /** The limits' own refusal (kind, retry-after, rate state) when a limit refused, else null. */
  public Refusal limit() {
    return limit;
  }

  /** The request field at fault, or null. */
  public String param() {
    return param;
  }

  /** The approval the call waits for (or that was denied), or null. */
  public String approvalId() {
    return approvalId;
  }

  /** What the audit trail keeps as the reason: the code and the message (which never holds a secret). */
  public String auditReason() {
    return reason == Reason.GUARD_BLOCKED ? "guard_blocked: " + findings
        : (code != null ? code : limit != null ? limit.kind().name().toLowerCase(java.util.Locale.ROOT) : "refused")
            + ": " + getMessage();
  }
}
