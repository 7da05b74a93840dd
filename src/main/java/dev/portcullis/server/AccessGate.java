package dev.portcullis.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.identity.PersonaDirectory;
import dev.portcullis.identity.Principal;
import dev.portcullis.policy.PolicyEngine;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Binds the persona a request acts through (header, or the caller's default) to its principal at
 * the edge of every surface, and holds the policy of the configuration in force (which the
 * pipeline's authorize stage applies). A persona the caller may not use is 403 in the route's
 * error shape. Shared by every event loop.
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
    Principal p = ctx.get(GatewayVerticle.PRINCIPAL);
    if (p == null) {
      return true;
    }
    PersonaDirectory.Resolution r = personas.resolve(p, ctx.request().getHeader(personaHeader));
    if (r.refusal() != null) {
      forbidden(ctx, "persona_not_allowed", r.refusal());
      return false;
    }
    if (r.persona() != null) {
      ctx.put(GatewayVerticle.PRINCIPAL, p.withPersona(r.persona()));
    }
    return true;
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
