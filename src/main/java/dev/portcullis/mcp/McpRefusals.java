package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.limits.Refusal;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.pipeline.Refused;

/**
 * The pipeline's refusals as MCP tells them: a JSON-RPC error whose code says what refused
 * (policy, approval, guard, rate or budget) and whose data names the rule, the approval or the
 * limit and its scope.
 */
final class McpRefusals {
  private McpRefusals() {}

  static McpError error(Refused r) {
    return switch (r.reason()) {
      case POLICY_DENIED, USER_DECLINED -> new McpError(McpError.POLICY_DENIED, r.getMessage(), rule(r));
      case APPROVAL_DENIED -> new McpError(McpError.POLICY_DENIED, r.getMessage(),
          rule(r).put("approval_id", r.approvalId()));
      case APPROVAL_PENDING -> new McpError(McpError.APPROVAL_REQUIRED, r.getMessage(),
          rule(r).put("approval_id", r.approvalId()).put("status", "pending"));
      case GUARD_BLOCKED -> new McpError(McpError.GUARD_BLOCKED, r.getMessage(), rule(r).put("types", r.findings()));
      case LIMIT -> limit(r.limit());
      case INVALID_REQUEST, UNKNOWN_TARGET, INPUT_REQUIRED -> McpError.invalidParams(r.getMessage());
      case NOT_RECORDED -> new McpError(McpError.INTERNAL_ERROR, r.getMessage());
    };
  }

  /** The refusal's number in the audit trail: its JSON-RPC error code (none for a question to the user). */
  static int code(Refused r) {
    return r.reason() == Refused.Reason.INPUT_REQUIRED || r.reason() == Refused.Reason.UNKNOWN_TARGET ? 0
        : error(r).code();
  }

  private static ObjectNode rule(Refused r) {
    return JsonRpc.F.objectNode().put("rule", r.rule());
  }

  private static McpError limit(Refusal r) {
    if (r.kind() == Refusal.Kind.SHARED_LIMITS_UNAVAILABLE) {
      return new McpError(McpError.CLUSTER_UNAVAILABLE, r.message());
    }
    ObjectNode data = JsonRpc.F.objectNode().put("limit", r.kind().limit());
    if (r.scope() != null) {
      data.put("scope", r.scope()).put("subject", r.subject()).put(r.scope(), r.subject());
    }
    if (r.retryAfterNanos() >= 0) {
      data.put("retry_after_ms", Math.max(1, r.retryAfterNanos() / 1_000_000));
    }
    boolean budget = switch (r.kind()) {
      case KEY_BUDGET, TEAM_BUDGET, PERSONA_BUDGET -> true;
      default -> false;
    };
    return new McpError(budget ? McpError.BUDGET_EXCEEDED : McpError.RATE_LIMITED, r.message(), data);
  }
}
