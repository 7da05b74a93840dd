package dev.portcullis.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.agent.ChatDialect;
import dev.portcullis.agent.Dialect;
import dev.portcullis.agent.LiveStream;
import dev.portcullis.agent.LoopError;
import dev.portcullis.agent.LoopListener;
import dev.portcullis.agent.McpSelection;
import dev.portcullis.agent.MessagesDialect;
import dev.portcullis.agent.ProgressStream;
import dev.portcullis.agent.ResponsesDialect;
import dev.portcullis.agent.ResponsesMcpTools;
import dev.portcullis.agent.StepRefused;
import dev.portcullis.agent.ToolLoop;
import dev.portcullis.agent.Toolbox;
import dev.portcullis.config.McpConfig.ToolLoopConfig;
import dev.portcullis.identity.Principal;
import dev.portcullis.llm.ErrorResponder;
import dev.portcullis.llm.InvalidParameterException;
import dev.portcullis.llm.responses.McpItems;
import dev.portcullis.llm.responses.ResponseItems;
import dev.portcullis.mcp.McpGateway;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Model requests that carry the {@code portcullis} extension field: the gateway runs the named
 * MCP servers' tools for the model ({@link ToolLoop}) and answers in the route's own shape.
 * Wiring only: the loop, the tools and every rule live elsewhere.
 */
final class ToolLoopRoute {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ToolLoopRoute.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The request field that asks for a tool loop. */
  static final String FIELD = "portcullis";
  /** The client headers every step sends on: credential, persona and session choice, Anthropic versions. */
  private static final List<String> FORWARDED = List.of("authorization", "x-api-key", "user-agent", "x-session-id",
      "anthropic-version", "anthropic-beta");

  private final McpGateway mcp;
  private final ToolLoop loop;
  private final HttpClient http;
  private final String host;
  private final IntSupplier port;
  private final String personaHeader;
  private final ToolLoopConfig bounds;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param mcp the MCP gateway, or null: then every such request is refused
   * @param host the listener's host (a wildcard address is reached on loopback)
   * @param port the listener's port, once it listens
   */
  ToolLoopRoute(McpGateway mcp, ToolLoop loop, HttpClient http, String host, IntSupplier port, String personaHeader,
      ToolLoopConfig bounds) {
    this.mcp = mcp;
    this.loop = loop;
    this.http = http;
    this.host = loopback(host);
    this.port = port;
    this.personaHeader = personaHeader;
    this.bounds = bounds;
  }

  /** Whether this request asks for a tool loop. */
  static boolean asked(ObjectNode body) {
    return body.has(FIELD);
  }

  void chat(RoutingContext ctx, ObjectNode body, ErrorResponder errors) {
    if (body.path("n").asInt(1) != 1) {
      errors.respond(ctx.response(), 400, "invalid_request_error", "invalid_value",
          "'n' must be 1 when 'portcullis.mcp' asks the gateway to run tools.");
      return;
    }
    run(ctx, body, new ChatDialect(), "/v1/chat/completions", errors);
  }

  void messages(RoutingContext ctx, ObjectNode body, ErrorResponder errors) {
    run(ctx, body, new MessagesDialect(), "/v1/messages", errors);
  }

  /**
   * A Responses request with {@code {"type": "mcp"}} tools naming this gateway's own MCP endpoints.
   * The model steps are not kept; the answer is handed to {@code finished} (which may keep it)
   * before the client gets it.
   *
   * @param conversation the whole conversation: the continued responses' items and this input
   */
  void responses(RoutingContext ctx, ObjectNode body, ArrayNode conversation, ErrorResponder errors,
      Consumer<ObjectNode> finished) {
    if (mcp == null) {
      errors.respond(ctx.response(), 400, "invalid_request_error", "mcp_not_configured",
          "The request has an mcp tool, but this gateway serves no MCP servers (mcp.servers is empty).");
      return;
    }
    ResponsesMcpTools tools;
    List<McpItems.Answered> answered;
    try {
      tools = ResponsesMcpTools.parse(body.path("tools"), ownHosts(ctx),
          mcp.upstreams().stream().map(u -> u.key()).toList());
      answered = McpItems.answered(conversation);
    } catch (LoopError e) {
      errors.respond(ctx.response(), 400, "invalid_request_error", "invalid_mcp_tool", e.getMessage());
      return;
    } catch (InvalidParameterException e) {
      errors.respond(ctx.response(), 400, "invalid_request_error", "invalid_value", e.getMessage());
      return;
    }
    ObjectNode step = body.deepCopy();
    step.put("store", false);
    step.remove("previous_response_id"); // the gateway resolved it: each step gets the whole conversation
    step.set("input", McpItems.forModel(conversation));
    run(ctx, body, step, tools.selections(), new ResponsesDialect(tools, body.path("tools"),
        ResponseItems.newId("resp"), answered), "/v1/responses", errors, finished);
  }

  /** The names the client reached this gateway by: the Host it sent, and loopback. */
  private static Set<String> ownHosts(RoutingContext ctx) {
    Set<String> hosts = new HashSet<>(List.of("localhost", "127.0.0.1", "::1", "[::1]"));
    var authority = ctx.request().authority();
    if (authority != null && authority.host() != null) {
      hosts.add(authority.host().toLowerCase(Locale.ROOT));
    }
    return hosts;
  }

  private void run(RoutingContext ctx, ObjectNode body, Dialect dialect, String path, ErrorResponder errors) {
    HttpServerResponse response = ctx.response();
    List<McpSelection> selections;
    try {
      selections = McpSelection.parse(body.get(FIELD));
    } catch (LoopError e) {
      errors.respond(response, 400, "invalid_request_error", "invalid_portcullis_field", e.getMessage());
      return;
    }
    if (mcp == null) {
      errors.respond(response, 400, "invalid_request_error", "mcp_not_configured",
          "'portcullis.mcp' names MCP servers, but this gateway serves none (mcp.servers is empty).");
      return;
    }
    ObjectNode step = body.deepCopy();
    step.remove(FIELD);
    run(ctx, body, step, selections, dialect, path, errors, answer -> { });
  }

  /**
   * @param step the request each model step starts from (without the loop's own fields)
   * @param finished sees the answer before the client does
   */
  private void run(RoutingContext ctx, ObjectNode body, ObjectNode step, List<McpSelection> selections,
      Dialect dialect, String path, ErrorResponder errors, Consumer<ObjectNode> finished) {
    HttpServerResponse response = ctx.response();
    Principal principal = ctx.get(GatewayVerticle.PRINCIPAL);
    String clientIp = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    String traceparent = traceparent(ctx);
    String runId = ctx.get(GatewayVerticle.REQUEST_ID);
    step.remove(List.of("stream", "stream_options"));
    LoopbackModel model = new LoopbackModel(http, host, port.getAsInt(), path, headers(ctx, traceparent));
    Promise<Void> gone = Promise.promise();
    response.closeHandler(v -> gone.tryComplete());
    LiveStream live = !body.path("stream").asBoolean(false) ? null
        : Objects.requireNonNullElseGet(dialect.live(body, response::write),
            () -> new ProgressStream(dialect, body, response::write, errors::streamError));
    if (live != null) { // the run shows as it goes, once the tools are listed: a bad request before is still a 4xx
      response.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    }
    loop.run(dialect, step, Toolbox.open(mcp, selections, principal, clientIp, traceparent, runId), model, bounds,
        live != null ? live : LoopListener.NONE, gone.future()).onComplete(ar -> {
          if (ar.succeeded()) {
            finished.accept(ar.result().answer());
          }
          if (live != null && response.headWritten()) {
            streamed(response, ar, live, runId);
          } else {
            if (live != null && !response.ended() && !response.closed()) {
              response.setChunked(false); // refused before the stream began: a plain error answer
            }
            answer(response, ar, dialect, body, errors, runId);
          }
        });
  }

  /** The end of a stream that began with the run: the rest of the answer, or response.failed. */
  private static void streamed(HttpServerResponse response, AsyncResult<ToolLoop.Result> ar, LiveStream live,
      String runId) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (ar.succeeded()) {
      live.finish(ar.result().answer());
    } else if (ar.cause() instanceof StepRefused r) {
      live.failed(r.status() < 500 ? "invalid_request_error" : "server_error", "model_step_refused",
          "A model step was refused (HTTP " + r.status() + "): " + errorMessage(r));
    } else if (ar.cause() instanceof LoopError e) {
      live.failed(e.kind().type, e.kind().code, e.getMessage());
    } else {
      LOG.atWarn().setCause(ar.cause()).addKeyValue("request_id", runId).log("tool loop failed");
      live.failed("server_error", "tool_loop_failed", "The gateway could not finish the tool loop (request id "
          + runId + ").");
    }
    response.end();
  }

  /** The message of a refused step's error body (the surface's own error shape). */
  private static String errorMessage(StepRefused r) {
    try {
      JsonNode e = JSON.readTree(r.body()).path("error");
      return e.path("message").asText(r.body());
    } catch (java.io.IOException x) {
      return r.body();
    }
  }

  private static void answer(HttpServerResponse response, AsyncResult<ToolLoop.Result> ar, Dialect dialect,
      ObjectNode body, ErrorResponder errors, String runId) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (ar.succeeded()) {
      boolean stream = body.path("stream").asBoolean(false);
      if (stream) {
        response.putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache").end(dialect.stream(ar.result().answer(), body));
      } else {
        response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(ar.result().answer().toString());
      }
    } else if (ar.cause() instanceof StepRefused r) { // already in this surface's shape
      response.setStatusCode(r.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(r.body());
    } else if (ar.cause() instanceof LoopError e) {
      errors.respond(response, e.kind().status, e.kind().type, e.kind().code, e.getMessage());
    } else {
      LOG.atWarn().setCause(ar.cause()).addKeyValue("request_id", runId).log("tool loop failed");
      errors.respond(response, 502, "server_error", "tool_loop_failed",
          "The gateway could not finish the tool loop (request id " + runId + ").");
    }
  }

  /** The caller's own credential, persona and session headers, and the loop's trace. */
  private MultiMap headers(RoutingContext ctx, String traceparent) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (String name : FORWARDED) {
      String v = ctx.request().getHeader(name);
      if (v != null) {
        h.add(name, v);
      }
    }
    String persona = ctx.request().getHeader(personaHeader);
    if (persona != null) {
      h.add(personaHeader, persona);
    }
    h.add("traceparent", traceparent);
    return h;
  }

  /**
   * One trace for the whole run: the gateway's span when tracing is on, else the client's trace
   * (a new span id under it), else a new trace.
   */
  private String traceparent(RoutingContext ctx) {
    var call = TraceStep.of(ctx);
    if (call != null) {
      var sc = call.span().getSpanContext();
      return "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + (sc.isSampled() ? "01" : "00");
    }
    String given = ctx.request().getHeader("traceparent");
    String trace = given != null && given.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
        && !given.startsWith("00-00000000000000000000000000000000") ? given.substring(3, 35) : hex(16);
    return "00-" + trace + "-" + hex(8) + "-01";
  }

  private String hex(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Where the listener is reached from inside: loopback for a wildcard address. */
  private static String loopback(String host) {
    if (host == null || host.isEmpty() || host.equals("0.0.0.0")) {
      return "127.0.0.1";
    }
    return host.equals("::") || host.equals("[::]") ? "::1" : host;
  }
}
