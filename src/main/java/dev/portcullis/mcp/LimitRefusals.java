package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.limits.Refusal;

/** A refusal of the limits as MCP tells it: a JSON-RPC error whose data names the limit and the scope. */
final class LimitRefusals {
  private LimitRefusals() {}

  static McpError error(Refusal r) {
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
    return new McpError(budget(r) ? McpError.BUDGET_EXCEEDED : McpError.RATE_LIMITED, r.message(), data);
  }

  /** The audit outcome: budget_exceeded, rate_limited or (the cluster's shared limits unreachable) error. */
  static String outcome(Refusal r) {
    return r.kind() == Refusal.Kind.SHARED_LIMITS_UNAVAILABLE ? "error" : budget(r) ? "budget_exceeded" : "rate_limited";
  }

  /** The rule the audit trail names: which scope's limits refused. */
  static String rule(Refusal r) {
    return (r.scope() == null ? "" : r.scope() + "-") + "limits";
  }

  private static boolean budget(Refusal r) {
    return switch (r.kind()) {
      case KEY_BUDGET, TEAM_BUDGET, PERSONA_BUDGET -> true;
      default -> false;
    };
  }
}
