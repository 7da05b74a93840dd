package dev.portcullis.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.identity.PersonaDirectory;
import dev.portcullis.identity.Principal;
import dev.portcullis.policy.Decision;
import dev.portcullis.policy.PolicyEngine;
import dev.portcullis.policy.PolicyRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Maps personas and policy decisions to HTTP at the edge of both surfaces: binds the persona a
 * request acts through (header, or the caller's default) to its principal, and on the LLM routes
 * asks the policy whether the model may be called. Refusals are 403 in the route's error shape.
 * Shared by every event loop.
 */
public final class AccessGate {
  private final PersonaDirectory personas;
  private final PolicyEngine policy;
  private final String personaHeader;

  public AccessGate(PersonaDirectory personas, PolicyEngine policy, String personaHeader) {
    this.personas = personas;
    this.policy = policy;
    this.personaHeader = personaHeader;
  }

  public PolicyEngine policy() {
    return policy;
  }

  /** Binds the persona to the authenticated principal; false after answering 403. */
  public boolean bind(RoutingContext ctx) {
    Principal p = ctx.get(KeyGate.PRINCIPAL);
    if (p == null) {
      return true;
    }
    PersonaDirectory.Resolution r = personas.resolve(p, ctx.request().getHeader(personaHeader));
    if (r.refusal() != null) {
      forbidden(ctx, "persona_not_allowed", r.refusal());
      return false;
    }
    if (r.persona() != null) {
      ctx.put(KeyGate.PRINCIPAL, p.withPersona(r.persona()));
    }
    return true;
  }

  /**
   * Route handler on POST /v1/* after the body was parsed: persona grants and rules on the model,
   * read from the one parse every later step reads too.
   */
  public void checkModel(RoutingContext ctx) {
    Principal p = ctx.get(KeyGate.PRINCIPAL);
    BodyStep.Checked body = BodyStep.of(ctx);
    JsonNode modelNode = body == null ? null : body.json().get("model");
    String model = modelNode != null && modelNode.isTextual() ? modelNode.textValue() : null;
    if (p == null || model == null) {
      ctx.next(); // the surface answers a missing or malformed model itself
      return;
    }
    dev.portcullis.telemetry.AccessRecord.of(ctx).model(model);
    var addr = ctx.request().remoteAddress();
    Decision d = policy.decide(PolicyRequest.llm(p, p.persona(), model, addr == null ? null : addr.hostAddress()));
    if (d.outcome() == Decision.Outcome.DENY) {
      forbidden(ctx, "policy_denied", "Denied by policy (" + d.rule() + "): " + d.reason());
      return;
    }
    if (d.outcome() == Decision.Outcome.REQUIRE_APPROVAL) {
      forbidden(ctx, "approval_required", "This request needs approval (" + d.rule() + "): " + d.reason()
          + ". Approval is not available on the LLM routes.");
      return;
    }
    ctx.next();
  }

  private static void forbidden(RoutingContext ctx, String code, String message) {
    dev.portcullis.telemetry.AccessRecord.of(ctx).outcome(dev.portcullis.telemetry.AccessRecord.REFUSED + code);
    String path = ctx.request().path();
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    if (path.startsWith("/mcp")) {
      body.put("jsonrpc", "2.0").putObject("error").put("code", -32600).put("message", "Forbidden: " + message);
    } else if (path.startsWith("/v1/messages")) {
      body.put("type", "error").putObject("error").put("type", "permission_error").put("message", message);
    } else {
      body.putObject("error").put("message", message).put("type", "invalid_request_error").putNull("param")
          .put("code", code);
    }
    ctx.response().setStatusCode(403).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toString());
  }
}
