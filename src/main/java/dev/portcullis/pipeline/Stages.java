package dev.portcullis.pipeline;

import dev.portcullis.audit.AuditWriter;
import dev.portcullis.limits.Accountant;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.guard.LlmGuard;
import dev.portcullis.policy.Approvals;
import dev.portcullis.policy.PolicyEngine;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * The order every call passes the stages in, and why. This is the one place it is stated.
 *
 * <ol>
 *   <li><b>audit</b> first: it takes nothing at admission, and as the first stage admitted it is
 *       the last one finished, so it sees the final outcome of every call, refusals by any later
 *       stage included, after the other stages have settled. (Calls the surface refuses before the
 *       stages, such as a body that is not JSON, reach it through {@link Pipeline#reject}.)
 *   <li><b>authorize</b> (persona grants, policy rules, approvals) before anything reads the
 *       content or takes a budget: a caller who may not make the call learns nothing from the
 *       guard and spends nothing; a call held for an administrator holds no rate or budget
 *       reservation, which would starve the caller's other calls while it waits.
 *   <li><b>guard</b> before limits: a blocked call must not cost a request of the caller's RPM, and
 *       the limits count the prompt the upstream will actually receive (after redaction).
 *   <li><b>limits</b> last: reservations are taken only for calls that will go upstream, and held
 *       for the shortest time; its {@code finish}, the first to run, settles them with the real
 *       usage before the audit trail records the call.
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
    List<Stage> stages = new ArrayList<>(4);
    if (audit != null) {
      stages.add(new AuditStage(audit));
    }
    if (policy != null) {
      stages.add(new AuthorizeStage(policy, approvals, vertx));
    }
    if (guard != null) {
      stages.add(new GuardStage(guard));
    }
    if (accountant != null) {
      stages.add(new LimitsStage(accountant, tokens));
    }
    return new Pipeline(stages);
  }
}
