package dev.portcullis.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.ClientFormat;
import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.Endpoint;
import dev.portcullis.llm.LlmProxy;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.ModelGroup;
import dev.portcullis.pipeline.Surface;
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

  private final ModelCalls calls;
  private final LlmProxy proxy;
  private final AnthropicErrors errors = new AnthropicErrors();
  /** Requests with the {@code portcullis} field: MCP tools run by the gateway. */
  private final ToolLoopRoute toolLoops;

  AnthropicSurface(ModelCalls calls, ToolLoopRoute toolLoops) {
    this.calls = calls;
    this.toolLoops = toolLoops;
    this.proxy = calls.proxy();
  }

  AnthropicErrors errors() {
    return errors;
  }

  void messages(RoutingContext ctx) {
    LlmRequest request = parse(ctx, Endpoint.MESSAGES);
    if (request == null) {
      return;
    }
    if (ToolLoopRoute.asked(request.body())) {
      calls.recordWhenEnded(ctx, calls.call(ctx, Surface.ANTHROPIC, request));
      toolLoops.messages(ctx, request.body(), errors); // each model step comes back through this route
      return;
    }
    calls.run(ctx, calls.call(ctx, Surface.ANTHROPIC, request), errors, this::refused);
  }

  void countTokens(RoutingContext ctx) {
    LlmRequest request = parse(ctx, Endpoint.COUNT_TOKENS);
    if (request == null) {
      return;
    }
    calls.run(ctx, calls.call(ctx, Surface.ANTHROPIC, request), errors, this::refused, () -> {
      ModelGroup group = proxy.catalog().chain(request.model()).get(0);
      Deployment first = group.deployments().get(0);
      return first.adapter().answerLocally(request, first);
    });
  }

  private void refused(HttpServerResponse response, dev.portcullis.pipeline.Refused r) {
    RefusalReplies.anthropic(errors, response, r);
  }

  private void refuse(RoutingContext ctx, String model, int status, String type, String code, String message) {
    calls.reject(ctx, Surface.ANTHROPIC, model, status, code, message);
    errors.respond(ctx.response(), status, type, code, message);
  }

  /** The parsed request, or null after answering with an error. */
  private LlmRequest parse(RoutingContext ctx, Endpoint endpoint) {
    HttpServerResponse response = ctx.response();
    BodyStep.Checked checked = BodyStep.of(ctx);
    ObjectNode body = checked.json();
    JsonNode model = body.get("model");
    if (model == null || !model.isTextual() || model.textValue().isEmpty()) {
      refuse(ctx, null, 400, "invalid_request_error", null, "model: Field required (a string)");
      return null;
    }
    if (!body.path("messages").isArray()) {
      refuse(ctx, model.textValue(), 400, "invalid_request_error", null, "messages: Field required (an array)");
      return null;
    }
    AccessRecord.of(ctx).model(model.textValue());
    if (proxy.catalog().chain(model.textValue()) == null) {
      refuse(ctx, model.textValue(), 404, "not_found_error", "model_not_found", "model: " + model.textValue());
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
