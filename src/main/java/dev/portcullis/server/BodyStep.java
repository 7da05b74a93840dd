package dev.portcullis.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.json.JsonBodies;
import dev.portcullis.llm.ErrorResponder;
import dev.portcullis.pipeline.Surface;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * Parses the JSON body of an LLM route once, at the edge, before anything reads it: persona
 * grants and policy, the guard, limits, the audit trail, tracing and the proxy all read this one
 * parse. A refused body is answered 400 in the surface's error shape. Wiring only: what is
 * refused, and why, is {@link JsonBodies}'s.
 */
final class BodyStep {
  private static final String BODY = "portcullis.body";

  /**
   * The parsed body and the bytes it was parsed from: the bytes an upstream may receive
   * unchanged are exactly the bytes that were checked.
   */
  record Checked(ObjectNode json, Buffer raw) {}

  private final JsonBodies bodies;
  private final ErrorResponder errors;
  private final ModelCalls calls;
  private final Surface surface;

  BodyStep(JsonBodies bodies, ErrorResponder errors, ModelCalls calls, Surface surface) {
    this.bodies = bodies;
    this.errors = errors;
    this.calls = calls;
    this.surface = surface;
  }

  void parse(RoutingContext ctx) {
    Buffer raw = ctx.body().buffer();
    try {
      ObjectNode json = bodies.object(raw == null ? null : raw.getBytes());
      ctx.put(BODY, new Checked(json, raw));
      ctx.next();
    } catch (JsonBodies.Rejected e) {
      calls.reject(ctx, surface, null, 400, code(e.reason()), e.getMessage()); // audited, with no model to name
      errors.respond(ctx.response(), 400, "invalid_request_error", code(e.reason()), e.getMessage());
    }
  }

  /** The request's checked body, or null on a route without one (or before it was parsed). */
  static Checked of(RoutingContext ctx) {
    return ctx.get(BODY);
  }

  /** The OpenAI error code; Anthropic's shape has none and takes the type from the status. */
  private static String code(JsonBodies.Reason reason) {
    return switch (reason) {
      case EMPTY, NOT_OBJECT -> null;
      case DUPLICATE_KEY -> "duplicate_json_key";
      case TOO_DEEP -> "json_too_deep";
      case TOO_LONG -> "json_too_large";
      case NOT_UTF8, SYNTAX, TRAILING_DATA -> "invalid_json";
    };
  }
}
