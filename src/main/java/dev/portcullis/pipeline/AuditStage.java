package dev.portcullis.pipeline;

import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditWriter;
import dev.portcullis.audit.CallFacts;
import dev.portcullis.policy.Decision;
import io.vertx.core.Future;

/**
 * The audit trail of model calls: one {@code call} event per call, whatever its outcome, written
 * (batched, DESIGN §5) when the call finishes. Its caller fields come from {@link CallFacts}, the
 * same extraction the MCP surface uses, so both surfaces' events have one shape.
 */
public final class AuditStage implements Stage {
  private final AuditWriter writer;

  public AuditStage(AuditWriter writer) {
    this.writer = writer;
  }

  @Override
  public String name() {
    return "audit";
  }

  @Override
  public Future<Void> admit(Call call) {
    return Future.succeededFuture();
  }

  @Override
  public boolean recordsRejections() {
    return true;
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    Call.Client client = call.client();
    AuditEvent.Builder b = AuditEvent.builder(call.requestId(), "call", call.surface().audited())
        .action(call.action())
        .target(call.target() == null ? null : call.target().audited());
    CallFacts.of(call.principal(), client.app(), client.ip(), client.sessionId(), call.traceId())
        .describe(b, call.requestId());
    Refused r = outcome.refused();
    if (r != null) {
      boolean held = r.reason() == Refused.Reason.APPROVAL_PENDING;
      b.decision(held ? "require_approval" : "deny", r.auditReason(), r.rule())
          .outcome(held ? "pending_approval" : "refused", outcome.status(), null);
    } else {
      Decision d = call.decision();
      b.decision("allow", d.reason(), d.rule())
          .outcome(outcome.label(), outcome.status(), (System.nanoTime() - call.startNanos()) / 1_000_000);
    }
    if (outcome.served() != null) {
      b.outcome(outcome.label(), outcome.status(), outcome.served().durationNanos() / 1_000_000)
          .tokens(outcome.served().usage().promptTokens(), outcome.served().usage().completionTokens(), null);
    }
    String findings = r != null && r.findings() != null ? r.findings()
        : call.guardSession() == null || call.guardSession().findingTypes().isEmpty() ? null
            : String.join(",", call.guardSession().findingTypes());
    b.guardFindings(findings);
    writer.record(b.build());
  }
}
