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
    /** The user the caller acts for declined to approve the call (or could not be asked). */
    USER_DECLINED,
    /**
     * The call waits for its user's answer: the surface gives the client {@link #reply()}, a
     * question to answer and send the call again with (MCP's {@code input_required}).
     */
    INPUT_REQUIRED,
    /** A field the stages must read is not valid (max_tokens not a positive integer...). */
    INVALID_REQUEST,
    /** The call names nothing the caller's endpoint has (or shows). */
    UNKNOWN_TARGET,
    /** The audit trail could not record the call before it would have left: it was not sent. */
    NOT_RECORDED
  }

  private final Reason reason;
  private final int status;
  private final String code;
  private final String rule;
  private final String findings;
  private final Refusal limit;
  private final String param;
  private final String approvalId;
  private final String why;
  private final Object reply;

  private Refused(Reason reason, int status, String code, String message, String rule, String findings,
      Refusal limit, String param, String approvalId, String why, Object reply) {
    super(message, null, false, false);
    this.reason = reason;
    this.status = status;
    this.code = code;
    this.rule = rule;
    this.findings = findings;
    this.limit = limit;
    this.param = param;
    this.approvalId = approvalId;
    this.why = why;
    this.reply = reply;
  }

  private Refused(Reason reason, int status, String code, String message, String rule, String findings,
      Refusal limit, String param, String approvalId) {
    this(reason, status, code, message, rule, findings, limit, param, approvalId, null, null);
  }

  public static Refused policy(String rule, String message) {
    return policy(rule, null, message);
  }

  /** @param why the rule's own reason, which the audit trail keeps */
  public static Refused policy(String rule, String why, String message) {
    return new Refused(Reason.POLICY_DENIED, 403, "policy_denied", message, rule, null, null, null, null, why,
        null);
  }

  public static Refused approvalPending(String rule, String approvalId, String message) {
    return approvalPending(rule, approvalId, null, message);
  }

  public static Refused approvalPending(String rule, String approvalId, String why, String message) {
    return new Refused(Reason.APPROVAL_PENDING, 403, "approval_required", message, rule, null, null, null,
        approvalId, why, null);
  }

  public static Refused approvalDenied(String rule, String approvalId, String message) {
    return approvalDenied(rule, approvalId, null, message);
  }

  public static Refused approvalDenied(String rule, String approvalId, String why, String message) {
    return new Refused(Reason.APPROVAL_DENIED, 403, "approval_denied", message, rule, null, null, null, approvalId,
        why, null);
  }

  public static Refused userDeclined(String rule, String why, String message) {
    return new Refused(Reason.USER_DECLINED, 403, "not_approved", message, rule, null, null, null, null, why, null);
  }

  /** @param reply what the surface answers instead (its own wire object: a question for the user) */
  public static Refused inputRequired(String rule, String why, Object reply) {
    return new Refused(Reason.INPUT_REQUIRED, 200, "input_required", "The call needs its user's approval", rule,
        null, null, null, null, why, reply);
  }

  /** @param param the request field at fault */
  public static Refused invalid(String param, String message) {
    return new Refused(Reason.INVALID_REQUEST, 400, "invalid_request", message, null, null, null, param, null);
  }

  /** @param kind what was named (tool, prompt, resource) */
  public static Refused unknownTarget(String kind, String message) {
    return new Refused(Reason.UNKNOWN_TARGET, 404, "unknown_" + (kind == null || kind.isEmpty() ? "item" : kind),
        message, null, null, null, null, null, "no such item on this endpoint", null);
  }

  public static Refused notRecorded(String message) {
    return new Refused(Reason.NOT_RECORDED, 503, "audit_unavailable", message, null, null, null, null, null);
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
    // the rule the audit trail names: which scope's limits refused
    return new Refused(r.kind() == Refusal.Kind.INVALID_REQUEST ? Reason.INVALID_REQUEST : Reason.LIMIT, status,
        null, r.message(), (r.scope() == null ? "" : r.scope() + "-") + "limits", null, r, r.param(), null);
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

  /** What the surface answers instead of an error ({@link Reason#INPUT_REQUIRED}), else null. */
  public Object reply() {
    return reply;
  }

  /**
   * What the audit trail keeps as the reason, the same on every surface: the rule's own reason for
   * policy and approvals, the data types for the guard, the limit and its message for limits,
   * else the code and the message (which never holds a secret).
   */
  public String auditReason() {
    if (why != null) {
      return why;
    }
    if (reason == Reason.GUARD_BLOCKED) {
      return "guard_blocked: " + findings;
    }
    if (limit != null) {
      return limit.kind().limit() + ": " + getMessage();
    }
    return (code != null ? code : "refused") + ": " + getMessage();
  }

  /** The audit trail's decision: require_approval while the call waits for one, else deny. */
  public String auditDecision() {
    return reason == Reason.APPROVAL_PENDING || reason == Reason.INPUT_REQUIRED ? "require_approval" : "deny";
  }

  /** The audit trail's outcome, the same on every surface. */
  public String auditOutcome() {
    return switch (reason) {
      case APPROVAL_PENDING -> "pending_approval";
      case APPROVAL_DENIED -> "denied";
      case USER_DECLINED -> "not_approved";
      case INPUT_REQUIRED -> "input_required";
      case LIMIT -> switch (limit.kind()) {
        case KEY_BUDGET, TEAM_BUDGET, PERSONA_BUDGET -> "budget_exceeded";
        case REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE, PARALLEL_REQUESTS -> "rate_limited";
        case SHARED_LIMITS_UNAVAILABLE -> "error";
        default -> "refused";
      };
      default -> "refused";
    };
  }

}
