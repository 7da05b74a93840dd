package dev.portcullis.audit;

import dev.portcullis.llm.CallSummary;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Audits LLM calls: one {@code call} event each, batched (DESIGN §5). The facts about the
 * caller are noted by request id when the call arrives ({@link #arrived}); the event is written
 * when the proxy reports the call finished ({@link #completed}), or when the gateway refused it
 * before it reached the proxy ({@link #refused}).
 */
public final class LlmAuditor {
  private final AuditWriter writer;
  private final Map<String, CallFacts> open = new ConcurrentHashMap<>();

  public LlmAuditor(AuditWriter writer) {
    this.writer = writer;
  }

  public void arrived(String requestId, CallFacts facts) {
    open.put(requestId, facts);
  }

  /** The proxy finished the call (any outcome). */
  public void completed(CallSummary s) {
    CallFacts f = open.remove(s.requestId());
    AuditEvent.Builder b = AuditEvent.builder(s.requestId(), "call", "llm")
        .action(s.endpoint().name().toLowerCase(java.util.Locale.ROOT))
        .target(s.model())
        .outcome(s.outcome(), s.status(), s.durationNanos() / 1_000_000)
        .tokens(s.usage().promptTokens(), s.usage().completionTokens(), null)
        .decision("allow", null, null);
    facts(b, f, s.requestId());
    writer.record(b.build());
  }

  /**
   * The call was refused before the proxy saw it (no-op when the proxy already reported it).
   *
   * @param reason why (guard rule and data types, limit, policy)
   * @param policy the rule or policy that refused, or null
   */
  public void refused(String requestId, String target, int status, String reason, String policy) {
    CallFacts f = open.remove(requestId);
    if (f == null) {
      return;
    }
    AuditEvent.Builder b = AuditEvent.builder(requestId, "call", "llm").action(f.action()).target(target)
        .outcome(status >= 400 ? "refused" : "ok", status, null)
        .decision(status >= 400 ? "deny" : "allow", reason, policy);
    facts(b, f, requestId);
    writer.record(b.build());
  }

  /** Whether the call is still open (not yet audited). */
  public boolean isOpen(String requestId) {
    return open.containsKey(requestId);
  }

  private static void facts(AuditEvent.Builder b, CallFacts f, String requestId) {
    if (f == null) {
      b.trace(null, null, requestId);
      return;
    }
    b.who(f.principal(), f.principalKind(), f.keyId(), f.persona()).client(f.clientApp(), f.clientIp())
        .trace(f.traceId(), f.sessionId(), requestId);
    if (f.guardFindings() != null) {
      b.guardFindings(f.guardFindings().get());
    }
    if (f.action() != null) {
      b.action(f.action());
    }
  }
}
