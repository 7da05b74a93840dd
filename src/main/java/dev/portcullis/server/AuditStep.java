package dev.portcullis.server;

import dev.portcullis.audit.CallFacts;
import dev.portcullis.audit.LlmAuditor;
import dev.portcullis.guard.GuardBlockedException;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.identity.Principal;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * Notes who is calling each LLM route (principal, key, client app, IP, session, trace) for the
 * audit trail, and audits calls the gateway refused before they reached the proxy (guard
 * blocks, limits, bad requests). Wiring only.
 */
final class AuditStep {
  private final LlmAuditor auditor;

  AuditStep(LlmAuditor auditor) {
    this.auditor = auditor;
  }

  void track(RoutingContext ctx) {
    if (ctx.request().method() != HttpMethod.POST) {
      ctx.next();
      return;
    }
    String requestId = ctx.get(GatewayVerticle.REQUEST_ID);
    Principal p = ctx.get(KeyGate.PRINCIPAL);
    String path = ctx.request().path();
    String action = path.startsWith("/v1/") ? path.substring(4).replace('/', '_') : path;
    String traceparent = ctx.request().getHeader("traceparent");
    var trace = TraceStep.of(ctx); // with tracing on: the gateway's trace (the client's, or a new one)
    String traceId = trace != null ? trace.traceId()
        : traceparent != null && traceparent.length() >= 35 ? traceparent.substring(3, 35) : null;
    String session = ctx.request().getHeader("x-session-id");
    auditor.arrived(requestId, new CallFacts(p == null ? null : p.id(), p == null ? null : p.kind(),
        p == null || p.key() == null ? null : p.key().id(),
        p == null || p.persona() == null ? null : p.persona().name(),
        ctx.request().getHeader("user-agent"),
        ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress(), session, traceId,
        action, () -> {
          GuardSession g = ctx.get(GuardStep.SESSION);
          GuardBlockedException b = ctx.get(GuardStep.BLOCKED);
          var types = b != null ? b.types() : g == null ? null : g.findingTypes();
          return types == null || types.isEmpty() ? null : String.join(",", types);
        }));
    ctx.addEndHandler(v -> ctx.vertx().runOnContext(x -> {
      if (!auditor.isOpen(requestId)) {
        return; // the proxy reported it
      }
      GuardBlockedException b = ctx.get(GuardStep.BLOCKED);
      int status = ctx.response().getStatusCode();
      BodyStep.Checked body = BodyStep.of(ctx); // null when the body was refused: no model to name
      var modelNode = body == null ? null : body.json().get("model");
      String model = modelNode != null && modelNode.isTextual() ? modelNode.textValue() : null;
      auditor.refused(requestId, model, status, b != null ? "guard_blocked: " + String.join(",", b.types())
          : status >= 400 ? "http_" + status : null, b != null ? b.rule() : null);
    }));
    ctx.next();
  }
}
