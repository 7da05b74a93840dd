package dev.portcullis.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.identity.Persona;
import dev.portcullis.identity.Principal;
import dev.portcullis.identity.VirtualKey;
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

/**
 * The OpenAI-compatible LLM routes: parses and checks the request, then hands it to the proxy.
 * Everything here answers in OpenAI's error shape.
 */
final class OpenAiSurface {
  private final ObjectMapper json;
  private final ModelCalls calls;
  private final LlmProxy proxy;
  private final OpenAiErrors errors = new OpenAiErrors();
  private final Buffer modelList;
  /** Requests with the {@code portcullis} field: MCP tools run by the gateway. */
  private final ToolLoopRoute toolLoops;

  OpenAiSurface(ObjectMapper json, ModelCalls calls, ToolLoopRoute toolLoops) {
    this.json = json;
    this.calls = calls;
    this.toolLoops = toolLoops;
    this.proxy = calls.proxy();
    this.modelList = buildModelList(null, null);
  }

  OpenAiErrors errors() {
    return errors;
  }

  void chatCompletions(RoutingContext ctx) {
    handle(ctx, Endpoint.CHAT_COMPLETIONS);
  }

  void embeddings(RoutingContext ctx) {
    handle(ctx, Endpoint.EMBEDDINGS);
  }

  private void handle(RoutingContext ctx, Endpoint endpoint) {
    HttpServerResponse response = ctx.response();
    BodyStep.Checked checked = BodyStep.of(ctx);
    ObjectNode body = checked.json();
    JsonNode modelNode = body.get("model");
    if (modelNode == null || modelNode.isNull() || modelNode.isTextual() && modelNode.textValue().isEmpty()) {
      refuse(ctx, null, 400, null, "model", "You must provide a model parameter.");
      return;
    }
    if (!modelNode.isTextual()) {
      refuse(ctx, null, 400, null, "model", "The model parameter must be a string.");
      return;
    }
    String model = modelNode.textValue();
    AccessRecord.of(ctx).model(model);
    if (proxy.catalog().chain(model) == null) {
      refuse(ctx, model, 404, "model_not_found", "model",
          "The model `" + model + "` does not exist or you do not have access to it.");
      return;
    }
    JsonNode streamNode = body.get("stream");
    boolean stream = endpoint == Endpoint.CHAT_COMPLETIONS && streamNode != null && streamNode.asBoolean(false);
    LlmRequest request = new LlmRequest(endpoint, model, stream, body, checked.raw(),
        ctx.get(GatewayVerticle.REQUEST_ID));
    if (endpoint == Endpoint.CHAT_COMPLETIONS && ToolLoopRoute.asked(body)) {
      calls.recordWhenEnded(ctx, calls.call(ctx, Surface.OPENAI, request));
      toolLoops.chat(ctx, body, errors); // each model step comes back through this route
      return;
    }
    calls.run(ctx, calls.call(ctx, Surface.OPENAI, request), errors, (r, refused) ->
        RefusalReplies.openAi(errors, r, refused));
  }

  private void refuse(RoutingContext ctx, String model, int status, String code, String param, String message) {
    calls.reject(ctx, Surface.OPENAI, model, status, code, message);
    errors.respond(ctx.response(), status, "invalid_request_error", code, param, message);
  }

  /** The model groups, less those the caller's virtual key or persona may not use. */
  void listModels(RoutingContext ctx) {
    VirtualKey key = callerKey(ctx);
    Persona persona = callerPersona(ctx);
    Buffer body = (key == null || key.models().isEmpty()) && persona == null ? modelList
        : buildModelList(key, persona);
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
  }

  void getModel(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    VirtualKey key = callerKey(ctx);
    Persona persona = callerPersona(ctx);
    if (proxy.catalog().chain(id) == null || key != null && !key.allows(id)
        || persona != null && !persona.allowsModel(id)) {
      errors.respond(ctx.response(), 404, "invalid_request_error", "model_not_found", "model",
          "The model `" + id + "` does not exist or you do not have access to it.");
      return;
    }
    ObjectNode m = modelEntry(id);
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(m.toString());
  }

  private static VirtualKey callerKey(RoutingContext ctx) {
    Principal p = ctx.get(GatewayVerticle.PRINCIPAL);
    return p == null ? null : p.key();
  }

  private static Persona callerPersona(RoutingContext ctx) {
    Principal p = ctx.get(GatewayVerticle.PRINCIPAL);
    return p == null ? null : p.persona();
  }

  /** The list for a key and persona (either may be null: no limit from it). */
  private Buffer buildModelList(VirtualKey key, Persona persona) {
    ObjectNode list = json.createObjectNode().put("object", "list");
    var data = list.putArray("data");
    for (ModelGroup g : proxy.catalog().groups()) {
      if ((key == null || key.allows(g.name())) && (persona == null || persona.allowsModel(g.name()))) {
        data.add(modelEntry(g.name()));
      }
    }
    return Buffer.buffer(list.toString());
  }

  private ObjectNode modelEntry(String id) {
    return json.createObjectNode().put("id", id).put("object", "model").put("created", 0)
        .put("owned_by", "portcullis");
  }
}
