package dev.portcullis.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.CallFacts;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.policy.Decision;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The one shape of audit event for every call, whichever surface: caller fields from
 * {@link CallFacts}, the target, the decision and the outcome, and for calls on tools, prompts and
 * resources what the trail may keep of their arguments. Used by the stages that write the trail.
 */
final class CallEvents {
  /** How much of a call's arguments the trail keeps. */
  private static final int ARGUMENT_CHARS = 1000;
  /** Refusals that came after the guard looked at the arguments: only those events keep them. */
  private static final Set<Refused.Reason> AFTER_GUARD = EnumSet.of(Refused.Reason.APPROVAL_PENDING,
      Refused.Reason.APPROVAL_DENIED, Refused.Reason.USER_DECLINED, Refused.Reason.INPUT_REQUIRED,
      Refused.Reason.LIMIT, Refused.Reason.NOT_RECORDED);

  private final UnaryOperator<String> forAudit;

  /**
   * @param forAudit what the trail may keep of a text that reached the gateway (detected values
   *     hashed), for item names and arguments
   */
  CallEvents(UnaryOperator<String> forAudit) {
    this.forAudit = forAudit;
  }

  /** The reason a call was allowed, with the client's own approval when it gave one. */
  private static String withClient(String reason, Call call) {
    String id = call.item() == null ? null : call.item().clientApproved();
    if (id == null) {
      return reason;
    }
    String approved = "approved by the client (" + id + ")";
    return reason == null ? approved : reason + "; " + approved;
  }

  /** A tool call about to leave: its write-ahead {@code started} event. */
  AuditEvent started(Call call) {
    Decision d = call.decision();
    AuditEvent.Builder b = base(call, "started", true).decision("allow", withClient(d.reason(), call), d.rule());
    findings(b, call, null);
    return b.build();
  }

  /** How the call ended: {@code completed} after a write-ahead {@code started}, else one {@code call} event. */
  AuditEvent finished(Call call, Outcome outcome) {
    Refused r = outcome.refused();
    AuditEvent.Builder b = base(call, call.wroteAhead() ? "completed" : "call", r == null
        || AFTER_GUARD.contains(r.reason()));
    Long millis = (System.nanoTime() - call.startNanos()) / 1_000_000;
    // an MCP result has no status; its errors carry their JSON-RPC code
    Integer status = call.item() != null && outcome.status() == 0 ? null : outcome.status();
    if (r != null) {
      b.decision(r.auditDecision(), r.auditReason(), r.rule()).outcome(outcome.label(),
          r.reason() == Refused.Reason.INPUT_REQUIRED ? null : status, millis);
    } else {
      Decision d = call.decision();
      b.decision("allow", d.reason(), d.rule()).outcome(outcome.label(), status, millis);
    }
    if (outcome.served() != null) {
      b.outcome(outcome.label(), outcome.status(), outcome.served().durationNanos() / 1_000_000)
          .tokens(outcome.served().usage().promptTokens(), outcome.served().usage().completionTokens(), null);
    }
    findings(b, call, r);
    return b.build();
  }

  private AuditEvent.Builder base(Call call, String phase, boolean withArguments) {
    Call.Client client = call.client();
    Call.Target t = call.target();
    AuditEvent.Builder b = AuditEvent.builder(call.requestId(), phase, call.surface().audited())
        .action(call.action());
    if (call.item() != null) {
      b.target(t == null ? null : forAudit.apply(t.audited()));
      if (withArguments) {
        b.arguments(arguments(call));
      }
    } else {
      b.target(t == null ? null : t.audited());
    }
    CallFacts.of(call.principal(), client.app(), client.ip(), client.sessionId(), call.traceId())
        .describe(b, client.requestId() != null ? client.requestId() : call.requestId());
    return b;
  }

  private static void findings(AuditEvent.Builder b, Call call, Refused r) {
    GuardSession gs = call.guardSession();
    String findings = r != null && r.findings() != null ? r.findings()
        : gs == null || gs.findingTypes().isEmpty() ? null : String.join(",", gs.findingTypes());
    b.guardFindings(findings);
  }

  /**
   * What the trail keeps of an item call's arguments: as they went upstream when the guard scanned
   * them (with what a {@code log} rule let through hashed); a resource URI with detected values
   * hashed; otherwise only their shape (names, types, lengths), never raw values.
   */
  private String arguments(Call call) {
    ObjectNode params = call.forwardedContent();
    if (params == null) {
      return null;
    }
    JsonNode args = params.get("arguments");
    if (args == null) {
      JsonNode uri = params.get("uri");
      return uri == null ? null : cut(forAudit.apply(uri.asText()));
    }
    GuardSession gs = call.guardSession();
    return cut(gs != null && gs.scansRequests() ? forAudit.apply(args.toString()) : shape(args).toString());
  }

  private static JsonNode shape(JsonNode n) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (n.isObject()) {
      ObjectNode o = f.objectNode();
      n.fields().forEachRemaining(e -> o.set(e.getKey(), shape(e.getValue())));
      return o;
    }
    if (n.isArray()) {
      return f.textNode("array(" + n.size() + ")");
    }
    if (n.isTextual()) {
      return f.textNode("string(" + n.textValue().length() + ")");
    }
    return f.textNode(n.getNodeType().name().toLowerCase(Locale.ROOT));
  }

  private static String cut(String s) {
    return s == null || s.length() <= ARGUMENT_CHARS ? s : s.substring(0, ARGUMENT_CHARS) + "...";
  }
}
