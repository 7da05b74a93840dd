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
  private final LlmProxy proxy;
  private final OpenAiErrors errors = new OpenAiErrors();
  private final Buffer modelList;
  /** Key limits and budgets, or null when the gateway has no store (no virtual keys). */
  private final KeyGate gate;
  /** The guard, or null when no guard rules are configured. */
  private dev.portcullis.llm.guard.LlmGuard guard;
  /** Requests with the {@code portcullis} field: MCP tools run by the gateway. */
  private ToolLoopRoute toolLoops;

  OpenAiSurface(ObjectMapper json, LlmProxy proxy) {
    this(json, proxy, null);
  }

  OpenAiSurface(ObjectMapper json, LlmProxy proxy, KeyGate gate) {
    this.json = json;
    this.proxy = proxy;
    this.gate = gate;
    this.modelList = buildModelList(null, null);
  }

  OpenAiErrors errors() {
    return errors;
  }

  /** Hands chat completions that name MCP servers to the tool loop. */
  OpenAiSurface toolLoops(ToolLoopRoute loops) {
    this.toolLoops = loops;
    return this;
  }

  void chatCompletions(RoutingContext ctx) {
    handle(ctx, Endpoint.CHAT_COMPLETIONS);
  }

  void embeddings(RoutingContext ctx) {
    handle(ctx, Endpoint.EMBEDDINGS);
  }

  private void handle(RoutingContext ctx, Endpoint endpoint) {
    long start = ctx.get(GatewayVerticle.START_NANOS);
    HttpServerResponse response = ctx.response();
    BodyStep.Checked checked = BodyStep.of(ctx);
    ObjectNode body = checked.json();
    JsonNode modelNode = body.get("model");
    if (modelNode == null || modelNode.isNull() || modelNode.isTextual() && modelNode.textValue().isEmpty()) {
      errors.respond(response, 400, "invalid_request_error", null, "model",
          "You must provide a model parameter.");
      return;
    }
    if (!modelNode.isTextual()) {
      errors.respond(response, 400, "invalid_request_error", null, "model", "The model parameter must be a string.");
      return;
    }
    String model = modelNode.textValue();
    AccessRecord.of(ctx).model(model);
    if (proxy.catalog().chain(model) == null) {
      errors.respond(response, 404, "invalid_request_error", "model_not_found", "model",
          "The model `" + model + "` does not exist or you do not have access to it.");
      return;
    }
    if (endpoint == Endpoint.CHAT_COMPLETIONS && toolLoops != null && ToolLoopRoute.asked(body)) {
      toolLoops.chat(ctx, body, errors); // each model step comes back through this route
      return;
    }
    JsonNode streamNode = body.get("stream");
    boolean stream = endpoint == Endpoint.CHAT_COMPLETIONS && streamNode != null && streamNode.asBoolean(false);
    String requestId = ctx.get(GatewayVerticle.REQUEST_ID);
    var guarded = GuardStep.apply(guard, ctx, new LlmRequest(endpoint, model, stream, body, checked.raw(), requestId),
        m -> errors.respond(response, 400, "invalid_request_error", "guard_blocked", null, m));
    if (guarded == null) {
      return;
    }
    if (gate != null) {
      var refusal = gate.admit(ctx, model, body);
      if (refusal != null) {
        KeyGate.respond(errors, response, refusal);
        return;
      }
    }
    proxy.forward(guarded.request(), response, errors, start, guarded.filter(), TraceStep.of(ctx),
        AccessRecord.of(ctx).call());
  }

  /** Puts the guard in front of these routes (null: none). */
  void guard(dev.portcullis.llm.guard.LlmGuard guard) {
    this.guard = guard;
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
    Principal p = ctx.get(KeyGate.PRINCIPAL);
    return p == null ? null : p.key();
  }

  private static Persona callerPersona(RoutingContext ctx) {
    Principal p = ctx.get(KeyGate.PRINCIPAL);
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
