package dev.portcullis.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.agent.ResponsesMcpTools;
import dev.portcullis.identity.Principal;
import dev.portcullis.llm.ClientFormat;
import dev.portcullis.llm.Endpoint;
import dev.portcullis.llm.InvalidParameterException;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.UnsupportedRequestException;
import dev.portcullis.llm.responses.McpItems;
import dev.portcullis.llm.responses.ResponseArchive;
import dev.portcullis.llm.responses.ResponseItems;
import dev.portcullis.llm.responses.ResponsesClientBridge;
import dev.portcullis.llm.responses.ResponsesRecorder;
import dev.portcullis.llm.responses.StoredResponse;
import dev.portcullis.llm.responses.UpstreamReferences;
import dev.portcullis.llm.guard.LlmGuard;
import dev.portcullis.pipeline.Call;
import dev.portcullis.pipeline.Refused;
import dev.portcullis.pipeline.Surface;
import dev.portcullis.telemetry.AccessRecord;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.function.Consumer;

/**
 * OpenAI's Responses API routes: {@code POST /v1/responses} and {@code input_tokens} (calls
 * through the same pipeline and proxy as chat completions), {@code GET}/{@code DELETE /v1/responses/{id}},
 * {@code GET /v1/responses/{id}/input_items} and {@code POST /v1/responses/input_tokens}. Kept
 * responses belong to the principal that created them: to anyone else they do not exist (404).
 * Answers in OpenAI's error shape. Wiring only: translation and keeping live in llm/responses.
 */
final class ResponsesSurface {
  /** The vocabulary {@code input_tokens} counts with when the client names no model (OpenAI's default). */
  private static final String COUNTING_MODEL = "gpt-4o";

  private final ObjectMapper json;
  private final ModelCalls calls;
  private final ResponseArchive archive;
  private final TokenCounter tokens;
  private final OpenAiErrors errors = new OpenAiErrors();
  private final ToolLoopRoute toolLoops;

  ResponsesSurface(ObjectMapper json, ModelCalls calls, ResponseArchive archive, TokenCounter tokens,
      ToolLoopRoute toolLoops) {
    this.toolLoops = toolLoops;
    this.json = json;
    this.calls = calls;
    this.archive = archive;
    this.tokens = tokens;
  }

  void create(RoutingContext ctx) {
    ObjectNode body = BodyStep.of(ctx).json();
    String model = model(ctx, body, true);
    if (model == null || !checked(ctx, model, body, true)) {
      return;
    }
    if (body.path("background").asBoolean(false)) {
      refuse(ctx, model, 400, "unsupported_parameter", "background",
          "Background responses are not supported by this gateway.");
      return;
    }
    if (ResponsesMcpTools.asked(body)) { // each model step comes back through this route
      withConversation(ctx, model, body, conversation -> toolLoops.responses(ctx, body, conversation, errors,
          answer -> finished(ctx, body, model, conversation, answer)));
      return;
    }
    withConversation(ctx, model, body, input -> send(ctx, body, model, input));
  }

  /** A tool loop's answer: echoes what the client continued, and is kept when the client asked for it. */
  private void finished(RoutingContext ctx, ObjectNode body, String model, ArrayNode conversation,
      ObjectNode answer) {
    boolean keep = archive.enabled() && body.path("store").asBoolean(true);
    answer.put("store", keep);
    answer.set("previous_response_id", body.path("previous_response_id").isTextual()
        ? body.get("previous_response_id") : json.nullNode());
    if (keep) {
      archive.save(new StoredResponse(answer.get("id").textValue(), owner(ctx), model, answer.path("created_at")
          .asLong(), archive.expiresAt(System.currentTimeMillis()), conversation, answer.deepCopy()));
    }
  }

  /**
   * Counts the prompt, answered by the gateway once the call is admitted (persona grants and
   * policy apply, and the audit trail records it, as for Anthropic's count_tokens).
   */
  void inputTokens(RoutingContext ctx) {
    ObjectNode body = BodyStep.of(ctx).json();
    String model = body.has("model") ? model(ctx, body, true) : COUNTING_MODEL;
    if (model == null || !checked(ctx, model, body, false)) {
      return;
    }
    withConversation(ctx, model, body, input -> {
      ObjectNode counted = body.deepCopy();
      counted.set("input", input);
      long count;
      try {
        count = tokens.countPrompt(model, ResponsesClientBridge.asChat(request(ctx, model, counted), false).body());
      } catch (UnsupportedRequestException e) {
        refuse(ctx, model, 400, "unsupported_input", "input", e.getMessage());
        return;
      }
      Buffer answer = Buffer.buffer(json.createObjectNode().put("object", "response.input_tokens")
          .put("input_tokens", count).toString());
      LlmRequest request = new LlmRequest(Endpoint.INPUT_TOKENS, model, false, body, BodyStep.of(ctx).raw(),
          ctx.get(GatewayVerticle.REQUEST_ID), ClientFormat.RESPONSES, Map.of());
      calls.run(ctx, calls.call(ctx, Surface.RESPONSES, request), errors, this::refused, () -> answer);
    });
  }

  void retrieve(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    archive.find(id, owner(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        storeFailed(ctx);
      } else if (ar.result() == null) {
        notFound(ctx, id);
      } else {
        ok(ctx, ar.result().response());
      }
    });
  }

  void delete(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    archive.delete(id, owner(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        storeFailed(ctx);
      } else if (!ar.result()) {
        notFound(ctx, id);
      } else {
        ok(ctx, json.createObjectNode().put("id", id).put("object", "response.deleted").put("deleted", true));
      }
    });
  }

  /** OpenAI's cursor list: {@code limit} 1 to 100 (20), {@code order} desc (default) or asc, {@code after} an item id. */
  void inputItems(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String order = ctx.request().getParam("order", "desc");
    String after = ctx.request().getParam("after");
    int limit;
    try {
      limit = Integer.parseInt(ctx.request().getParam("limit", "20"));
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > 100) {
      errors.respond(ctx.response(), 400, "invalid_request_error", "invalid_value", "limit",
          "Invalid 'limit': expected an integer from 1 to 100.");
      return;
    }
    if (!order.equals("asc") && !order.equals("desc")) {
      errors.respond(ctx.response(), 400, "invalid_request_error", "invalid_value", "order",
          "Invalid value: '" + order + "'. Supported values are: 'asc' and 'desc'.");
      return;
    }
    int max = limit;
    archive.find(id, owner(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        storeFailed(ctx);
        return;
      }
      if (ar.result() == null) {
        notFound(ctx, id);
        return;
      }
      ArrayNode items = ResponseItems.listed(ar.result().id(), ar.result().input());
      ObjectNode page = json.createObjectNode().put("object", "list");
      ArrayNode data = page.putArray("data");
      boolean started = after == null;
      boolean more = false;
      for (int i = 0; i < items.size(); i++) {
        JsonNode item = items.get(order.equals("asc") ? i : items.size() - 1 - i);
        if (!started) {
          started = item.path("id").asText().equals(after);
          continue;
        }
        if (data.size() == max) {
          more = true;
          break;
        }
        data.add(item);
      }
      page.set("first_id", data.isEmpty() ? json.nullNode() : data.get(0).get("id"));
      page.set("last_id", data.isEmpty() ? json.nullNode() : data.get(data.size() - 1).get("id"));
      page.put("has_more", more);
      ok(ctx, page);
    });
  }

  /**
   * Sends the request, whose whole conversation is {@code input}, through the pipeline and the
   * proxy; the answer passes the guard's filter, then the recorder that numbers, echoes and keeps it.
   */
  private void send(RoutingContext ctx, ObjectNode body, String model, ArrayNode input) {
    String previous = body.path("previous_response_id").isTextual() ? body.get("previous_response_id").textValue()
        : null;
    boolean mcpItems = McpItems.any(input);
    try {
      if (mcpItems && !McpItems.answered(input).isEmpty()) {
        throw new InvalidParameterException("input", "The input answers an mcp_approval_request, but the request"
            + " has no mcp tool to run the call with: send the same mcp tool in 'tools'.");
      }
    } catch (InvalidParameterException e) {
      refuse(ctx, model, 400, "invalid_value", e.param(), e.getMessage());
      return;
    }
    ObjectNode sent = body;
    if (previous != null || mcpItems) { // the model is given MCP items as the function calls they were
      sent = body.deepCopy();
      sent.set("input", McpItems.forModel(input));
    }
    LlmRequest request = previous == null && !mcpItems
        ? new LlmRequest(Endpoint.RESPONSES, model, body.path("stream").asBoolean(false), body, BodyStep.of(ctx).raw(),
            ctx.get(GatewayVerticle.REQUEST_ID), ClientFormat.RESPONSES, Map.of())
        : request(ctx, model, sent);
    boolean keep = archive.enabled() && body.path("store").asBoolean(true);
    String owner = owner(ctx);
    Call call = calls.call(ctx, Surface.RESPONSES, request);
    calls.run(ctx, call, errors, this::refused, guardFilter -> {
      // kept as it went upstream: what the guard took out of the request is not kept either
      ArrayNode kept = LlmGuard.keptInput(ResponseItems.asItems(call.forwarded().body().get("input")),
          call.guardSession());
      ResponsesRecorder recorder = new ResponsesRecorder(json, guardFilter, previous, finished -> {
        if (keep && finished.path("id").isTextual()) {
          archive.save(new StoredResponse(finished.get("id").textValue(), owner, model,
              finished.path("created_at").asLong(), archive.expiresAt(System.currentTimeMillis()), kept, finished));
        }
      });
      return new ModelCalls.Answer(recorder, new ResponsesErrors(errors, recorder));
    });
  }

  private void refused(HttpServerResponse response, Refused r) {
    RefusalReplies.openAi(errors, response, r);
  }

  /** A call refused before the pipeline: recorded by the audit trail, answered in OpenAI's shape. */
  private void refuse(RoutingContext ctx, String model, int status, String code, String param, String message) {
    calls.reject(ctx, Surface.RESPONSES, model, status, code, message);
    errors.respond(ctx.response(), status, "invalid_request_error", code, param, message);
  }

  /** Resolves previous_response_id (the owner's, else 404), then goes on with the whole conversation. */
  private void withConversation(RoutingContext ctx, String model, ObjectNode body, Consumer<ArrayNode> next) {
    JsonNode previous = body.get("previous_response_id");
    if (previous == null || previous.isNull()) {
      next.accept(ResponseItems.asItems(body.get("input")));
      return;
    }
    if (!previous.isTextual() || previous.textValue().isEmpty()) {
      refuse(ctx, model, 400, "invalid_type", "previous_response_id",
          "Invalid type for 'previous_response_id': expected a response id (a string).");
      return;
    }
    String id = previous.textValue();
    Future<StoredResponse> found = archive.find(id, owner(ctx));
    found.onComplete(ar -> {
      if (ctx.response().ended() || ctx.response().closed()) {
        return;
      }
      if (ar.failed()) {
        calls.reject(ctx, Surface.RESPONSES, model, 503, "store_unavailable", "The gateway's store could not be read.");
        storeFailed(ctx);
      } else if (ar.result() == null) {
        refuse(ctx, model, 404, "previous_response_not_found", "previous_response_id",
            "Previous response with id '" + id + "' not found.");
      } else {
        next.accept(ResponseItems.continued(ar.result(), body.get("input")));
      }
    });
  }

  /** The model, or null after answering 400/404. */
  private String model(RoutingContext ctx, ObjectNode body, boolean mustExist) {
    JsonNode m = body.get("model");
    if (m == null || m.isNull() || m.isTextual() && m.textValue().isEmpty()) {
      refuse(ctx, null, 400, null, "model", "You must provide a model parameter.");
      return null;
    }
    if (!m.isTextual()) {
      refuse(ctx, null, 400, null, "model", "The model parameter must be a string.");
      return null;
    }
    AccessRecord.of(ctx).model(m.textValue());
    if (mustExist && calls.proxy().catalog().chain(m.textValue()) == null) {
      refuse(ctx, m.textValue(), 404, "model_not_found", "model",
          "The model `" + m.textValue() + "` does not exist or you do not have access to it.");
      return null;
    }
    return m.textValue();
  }

  /** Checks the input items and settings; false after answering 400. Items only a native provider takes pass. */
  private boolean checked(RoutingContext ctx, String model, ObjectNode body, boolean create) {
    try {
      ResponseItems.check(body.get("input"));
      UpstreamReferences.refuse(body);
      if (create && body.has("stream") && !body.get("stream").isBoolean() && !body.get("stream").isNull()) {
        throw new InvalidParameterException("stream", "Invalid type for 'stream': expected a boolean.");
      }
      if (create && body.has("store") && !body.get("store").isBoolean() && !body.get("store").isNull()) {
        throw new InvalidParameterException("store", "Invalid type for 'store': expected a boolean.");
      }
      ResponsesClientBridge.asChat(request(ctx, "check", body), false);
    } catch (InvalidParameterException e) {
      refuse(ctx, model, 400, "invalid_value", e.param(), e.getMessage());
      return false;
    } catch (UnsupportedRequestException e) {
      // only a provider without the Responses API refuses it, when the router picks one
    }
    return true;
  }

  private static LlmRequest request(RoutingContext ctx, String model, ObjectNode body) {
    return new LlmRequest(Endpoint.RESPONSES, model, body.path("stream").asBoolean(false), body,
        Buffer.buffer(body.toString()), ctx.get(GatewayVerticle.REQUEST_ID), ClientFormat.RESPONSES, Map.of());
  }

  /** Who kept responses belong to: the principal's id. */
  private static String owner(RoutingContext ctx) {
    Principal p = ctx.get(GatewayVerticle.PRINCIPAL);
    return p == null ? "" : p.kind() + ":" + p.id();
  }

  private void notFound(RoutingContext ctx, String id) {
    errors.respond(ctx.response(), 404, "invalid_request_error", "not_found", null,
        "Response with id '" + id + "' not found.");
  }

  private void storeFailed(RoutingContext ctx) {
    errors.respond(ctx.response(), 503, "server_error", "store_unavailable", null,
        "The gateway's store could not be read; try again (request id " + ctx.get(GatewayVerticle.REQUEST_ID) + ").");
  }

  private static void ok(RoutingContext ctx, JsonNode body) {
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toString());
    }
  }
}
