package dev.portcullis.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.ClientFormat;
import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.Endpoint;
import dev.portcullis.llm.LlmProxy;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.ModelGroup;
import dev.portcullis.telemetry.AccessRecord;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Messages routes ({@code POST /v1/messages}, {@code POST /v1/messages/count_tokens}),
 * so that Anthropic SDK clients (Claude Code among them) use the gateway. Answers in Anthropic's
 * error shape.
 */
final class AnthropicSurface {
  /** Client headers a native Anthropic upstream receives. */
  private static final List<String> FORWARDED = List.of("anthropic-version", "anthropic-beta");

  private final LlmProxy proxy;
  private final AnthropicErrors errors = new AnthropicErrors();
  /** Key limits and budgets, or null when the gateway has no store (no virtual keys). */
  private final KeyGate gate;
  /** The guard, or null when no guard rules are configured. */
  private dev.portcullis.llm.guard.LlmGuard guard;
  /** Requests with the {@code portcullis} field: MCP tools run by the gateway. */
  private ToolLoopRoute toolLoops;

  AnthropicSurface(LlmProxy proxy, KeyGate gate) {
    this.proxy = proxy;
    this.gate = gate;
  }

  AnthropicErrors errors() {
    return errors;
  }

  /** Hands messages that name MCP servers to the tool loop. */
  AnthropicSurface toolLoops(ToolLoopRoute loops) {
    this.toolLoops = loops;
    return this;
  }

  void messages(RoutingContext ctx) {
    LlmRequest request = parse(ctx, Endpoint.MESSAGES);
    if (request == null) {
      return;
    }
    if (toolLoops != null && ToolLoopRoute.asked(request.body())) {
      toolLoops.messages(ctx, request.body(), errors); // each model step comes back through this route
      return;
    }
    var guarded = GuardStep.apply(guard, ctx, request,
        m -> errors.respond(ctx.response(), 400, "invalid_request_error", null, m));
    if (guarded == null) {
      return;
    }
    if (gate != null) {
      var refusal = gate.admit(ctx, request.model(), request.body());
      if (refusal != null) {
        // the code names the limit for the access log; Anthropic's body takes its type from the status
        errors.respond(ctx.response(), KeyGate.status(refusal), KeyGate.type(refusal), KeyGate.code(refusal),
            refusal.message());
        return;
      }
    }
    proxy.forward(guarded.request(), ctx.response(), errors, ctx.get(GatewayVerticle.START_NANOS),
        guarded.filter(), TraceStep.of(ctx), AccessRecord.of(ctx).call());
  }

  /** Puts the guard in front of these routes (null: none). */
  void guard(dev.portcullis.llm.guard.LlmGuard guard) {
    this.guard = guard;
  }

  void countTokens(RoutingContext ctx) {
    LlmRequest request = parse(ctx, Endpoint.COUNT_TOKENS);
    if (request == null) {
      return;
    }
    ModelGroup group = proxy.catalog().chain(request.model()).get(0);
    Deployment first = group.deployments().get(0);
    Buffer local = first.adapter().answerLocally(request, first);
    if (local != null) {
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(local);
      return;
    }
    proxy.forward(request, ctx.response(), errors, ctx.get(GatewayVerticle.START_NANOS), null, null,
        AccessRecord.of(ctx).call());
  }

  /** The parsed request, or null after answering with an error. */
  private LlmRequest parse(RoutingContext ctx, Endpoint endpoint) {
    HttpServerResponse response = ctx.response();
    BodyStep.Checked checked = BodyStep.of(ctx);
    ObjectNode body = checked.json();
    JsonNode model = body.get("model");
    if (model == null || !model.isTextual() || model.textValue().isEmpty()) {
      errors.respond(response, 400, "invalid_request_error", null, "model: Field required (a string)");
      return null;
    }
    if (!body.path("messages").isArray()) {
      errors.respond(response, 400, "invalid_request_error", null, "messages: Field required (an array)");
      return null;
    }
    AccessRecord.of(ctx).model(model.textValue());
    if (proxy.catalog().chain(model.textValue()) == null) {
      errors.respond(response, 404, "not_found_error", "model_not_found", "model: " + model.textValue());
      return null;
    }
    Map<String, String> headers = new HashMap<>(4);
    for (String h : FORWARDED) {
      String v = ctx.request().getHeader(h);
      if (v != null) {
        headers.put(h, v);
      }
    }
    boolean stream = endpoint == Endpoint.MESSAGES && body.path("stream").asBoolean(false);
    return new LlmRequest(endpoint, model.textValue(), stream, body, checked.raw(),
        ctx.get(GatewayVerticle.REQUEST_ID), ClientFormat.ANTHROPIC, headers);
  }
}
