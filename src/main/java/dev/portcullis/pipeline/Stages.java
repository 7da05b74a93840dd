package dev.portcullis.pipeline;

import dev.portcullis.audit.AuditWriter;
import dev.portcullis.guard.Guard;
import dev.portcullis.limits.Accountant;
import dev.portcullis.limits.ToolPrices;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.guard.LlmGuard;
import dev.portcullis.policy.Approvals;
import dev.portcullis.policy.PolicyEngine;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;

/**
 * The order every call passes the stages in, and why. This is the one place it is stated; model
 * calls and calls on MCP tools, prompts and resources pass the same stages in the same order.
 *
 * <ol>
 *   <li><b>audit</b> first: it takes nothing at admission, and as the first stage admitted it is
 *       the last one finished, so it sees the final outcome of every call, refusals by any later
 *       stage included, after the other stages have settled. (Calls the surface refuses before the
 *       stages, such as a body that is not JSON, reach it through {@link Pipeline#reject}.)
 *   <li><b>authorize</b> (persona grants, policy rules) before anything reads the content or takes
 *       a budget: a caller who may not make the call learns nothing from the guard and spends
 *       nothing.
 *   <li><b>guard</b> before approvals and limits: what a reviewer is shown is what would go
 *       upstream (redacted); a blocked call asks nobody for approval and costs no request of the
 *       caller's RPM; the limits count the prompt the upstream will actually receive.
 *   <li><b>approval</b> (for a {@code require_approval} decision) before limits: a call held for an
 *       administrator or its user holds no rate or budget reservation, which would starve the
 *       caller's other calls while it waits.
 *   <li><b>limits</b>: reservations are taken only for calls that will go upstream, and held for the
 *       shortest time; its {@code finish}, among the first to run, settles them with the real usage
 *       before the audit trail records the call.
 *   <li><b>history</b> (session-aware rules) once every check admitted the call: a refused call did
 *       not happen, an admitted one is seen by the session's next call at once.
 *   <li><b>write-ahead</b> audit last: a tool call's {@code started} event is committed only when
 *       nothing can refuse the call any more, and just before it leaves; if it cannot be
 *       committed, the call is not sent and everything taken before is given back.
 * </ol>
 *
 * <p>A feature that is off has no stage here at all, so it costs nothing per call.
 */
public final class Stages {
  private Stages() {}

  /**
   * The pipeline of model calls for the configuration in force.
   *
   * @param audit the audit trail, or null when it is off
   * @param policy personas and rules, or null when none are configured
   * @param guard the guard, or null without guard rules
   * @param accountant key, team and persona limits, or null when none can apply
   */
  public static Pipeline modelCalls(AuditWriter audit, PolicyEngine policy, Approvals approvals, Vertx vertx,
      LlmGuard guard, Accountant accountant, TokenCounter tokens) {
    List<Stage> stages = new ArrayList<>(5);
    if (audit != null) {
      stages.add(new AuditStage(audit));
    }
    if (policy != null) {
      stages.add(new AuthorizeStage(policy));
    }
    if (guard != null) {
      stages.add(new GuardStage(guard, null));
    }
    if (policy != null) {
      stages.add(new ApprovalStage(approvals, vertx));
    }
    if (accountant != null) {
      stages.add(new LimitsStage(accountant, tokens, new ToolPrices(Map.of())));
    }
    return new Pipeline(stages);
  }

  /**
   * The pipeline of calls on MCP tools, prompts and resources for the configuration in force.
   *
   * @param audit the audit trail, or null when it is off
   * @param policy personas and rules, or null when none are configured
   * @param policing whether grants and rules decide (personas or a policy file are configured)
   * @param guard the guard, or null without guard rules
   * @param accountant the limits tool calls count against, or null when none can apply
   * @param prices what tool calls cost
   * @param refusalStatus the JSON-RPC error code of a refusal, for the audit trail
   */
  public static Pipeline itemCalls(AuditWriter audit, PolicyEngine policy, boolean policing, Approvals approvals,
      Vertx vertx, Guard guard, Accountant accountant, ToolPrices prices, ToIntFunction<Refused> refusalStatus) {
    UnaryOperator<String> forAudit = guard == null ? UnaryOperator.identity() : guard::forAudit;
    List<Stage> stages = new ArrayList<>(7);
    if (audit != null) {
      stages.add(new AuditStage(audit, forAudit));
    }
    if (policing) {
      stages.add(new AuthorizeStage(policy));
    }
    if (guard != null) {
      stages.add(new GuardStage(null, guard));
    }
    if (policing) {
      stages.add(new ApprovalStage(approvals, vertx));
    }
    if (accountant != null) {
      stages.add(new LimitsStage(accountant, null, prices));
    }
    if (policy != null) {
      stages.add(new HistoryStage(policy));
    }
    if (audit != null) {
      stages.add(new WriteAheadStage(audit, forAudit));
    }
    return new Pipeline(stages, refusalStatus);
  }
}
