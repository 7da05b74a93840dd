package dev.portcullis.mcp.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.identity.Principal;
import dev.portcullis.json.JsonBodies;
import dev.portcullis.mcp.CallContext;
import dev.portcullis.mcp.McpHandler;
import dev.portcullis.mcp.McpOutcomes;
import dev.portcullis.mcp.McpSpans;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.mcp.protocol.ProtocolVersions;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downstream Streamable HTTP transport (session-based revisions) at {@code /mcp} and
 * {@code /mcp/{virtual-server}}: POST carries one JSON-RPC message, GET opens the stream for
 * server messages (or resumes one with {@code Last-Event-ID}), DELETE ends the session.
 */
public final class McpHttpEndpoint {
  public static final String SESSION_HEADER = "Mcp-Session-Id";
  public static final String VERSION_HEADER = "MCP-Protocol-Version";
  public static final String PRINCIPAL = "portcullis.principal";
  private static final Logger LOG = LoggerFactory.getLogger(McpHttpEndpoint.class);

  private final JsonBodies bodies;
  private final SessionRegistry sessions;
  private final McpHandler handler;
  private final OriginPolicy origins;
  private final StatelessHttp stateless;
  /** A SERVER span per request; null when tracing is off (no extra work). */
  private final dev.portcullis.telemetry.McpTracing tracing;

  /** @param tracing traces every request (null: off) */
  public McpHttpEndpoint(JsonBodies bodies, SessionRegistry sessions, McpHandler handler, OriginPolicy origins,
      dev.portcullis.telemetry.McpTracing tracing) {
    this.bodies = bodies;
    this.sessions = sessions;
    this.handler = handler;
    this.origins = origins;
    this.tracing = tracing;
    this.stateless = new StatelessHttp(handler, tracing);
  }

  /** Adds the MCP routes; {@code authenticate} must put the {@link Principal} under {@link #PRINCIPAL}. */
  public void mount(Router router, Handler<RoutingContext> authenticate, long maxBodyBytes) {
    for (String path : new String[] {"/mcp", "/mcp/:server"}) {
      router.route(path).handler(this::origin);
      router.options(path).handler(this::preflight);
      router.route(path).handler(authenticate);
      router.post(path).handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
      router.post(path).handler(this::post);
      router.get(path).handler(this::get);
      router.delete(path).handler(this::delete);
      router.route(path).handler(ctx -> {
        ctx.response().putHeader(HttpHeaders.ALLOW, "GET, POST, DELETE");
        httpError(ctx.response(), 405, McpError.INVALID_REQUEST, "Method not allowed");
      });
      router.route(path).failureHandler(this::failure);
    }
  }

  private void origin(RoutingContext ctx) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (!origins.permits(origin)) {
      httpError(ctx.response(), 403, McpError.INVALID_REQUEST, "Forbidden: origin not allowed");
      return;
    }
    if (origin != null) {
      ctx.response().putHeader("access-control-allow-origin", origin)
          .putHeader("vary", "Origin")
          .putHeader("access-control-expose-headers", "Mcp-Session-Id, MCP-Protocol-Version");
    }
    ctx.next();
  }

  private void preflight(RoutingContext ctx) {
    ctx.response().setStatusCode(204)
        .putHeader("access-control-allow-methods", "GET, POST, DELETE, OPTIONS")
        .putHeader("access-control-allow-headers", "Authorization, Content-Type, Accept, Mcp-Session-Id, "
            + "MCP-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name")
        .putHeader("access-control-max-age", "600")
        .end();
  }

  private static String view(RoutingContext ctx) {
    String v = ctx.pathParam("server");
    return v == null ? "" : v;
  }

  private void post(RoutingContext ctx) {
    HttpServerResponse resp = ctx.response();
    String view = view(ctx);
    if (!handler.hasView(view)) {
      httpError(resp, 404, McpError.INVALID_REQUEST, "No virtual server named '" + view + "'");
      return;
    }
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    if (accept != null && !accepts(accept, "application/json") && !accepts(accept, "text/event-stream")) {
      httpError(resp, 406, McpError.INVALID_REQUEST,
          "Not Acceptable: the client must accept application/json and text/event-stream");
      return;
    }
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      httpError(resp, 415, McpError.INVALID_REQUEST, "Unsupported Media Type: send application/json");
      return;
    }
    JsonNode msg;
    try {
      msg = bodies.parse(ctx.body().buffer() == null ? null : ctx.body().buffer().getBytes());
    } catch (JsonBodies.Rejected e) {
      // a key twice is well-formed JSON, but a message that readers may read two ways: Invalid Request
      boolean duplicate = e.reason() == JsonBodies.Reason.DUPLICATE_KEY;
      httpError(resp, 400, duplicate ? McpError.INVALID_REQUEST : McpError.PARSE_ERROR,
          (duplicate ? "Invalid Request: " : "Parse error: ") + e.getMessage());
      return;
    }
    if (msg.isArray()) {
      httpError(resp, 400, McpError.INVALID_REQUEST, "Invalid Request: JSON-RPC batches are not supported");
      return;
    }
    JsonRpc.Kind kind = JsonRpc.kind(msg);
    if (kind == JsonRpc.Kind.INVALID) {
      JsonNode id = msg.get("id");
      send(resp, 400, JsonRpc.error(id != null && JsonRpc.validId(id) ? id : null, McpError.INVALID_REQUEST,
          "Invalid Request: not a JSON-RPC 2.0 request, notification or response", null));
      return;
    }
    Principal principal = ctx.get(PRINCIPAL);
    if (StatelessHttp.applies(ctx.request(), msg)) {
      stateless.post(ctx, principal, view, msg, kind, accept); // 2026-07-28: no initialize, no session
      return;
    }
    String method = msg.path("method").asText();
    ObjectNode params = JsonRpc.params(msg);
    McpOutcomes.named(ctx, method, params);
    if (kind == JsonRpc.Kind.REQUEST && McpMethods.INITIALIZE.equals(method)) {
      initialize(ctx, principal, view, msg.get("id"), params);
      return;
    }
    session(ctx, principal, view).onSuccess(session -> {
      if (session != null) {
        served(ctx, principal, view, session, msg, kind, method, params, accept);
      }
    });
  }

  private void served(RoutingContext ctx, Principal principal, String view, McpSession session, JsonNode msg,
      JsonRpc.Kind kind, String method, ObjectNode params, String accept) {
    HttpServerResponse resp = ctx.response();
    CallContext call = new CallContext(principal, session, view, msg.get("id"), session::notifyClient,
        clientIp(ctx));
    switch (kind) {
      case NOTIFICATION -> {
        handler.notification(call, method, params);
        resp.setStatusCode(202).end();
      }
      case RESPONSE -> {
        session.answer(msg);
        resp.setStatusCode(202).end();
      }
      default -> request(ctx, call, method, params, accept);
    }
  }

  private void initialize(RoutingContext ctx, Principal principal, String view, JsonNode id, ObjectNode params) {
    String version = ProtocolVersions.negotiate(params.path("protocolVersion").asText(null));
    McpSession session = sessions.create(principal.id(), view, version, params);
    if (session == null) {
      send(ctx.response(), 503, JsonRpc.error(id, McpError.INTERNAL_ERROR,
          "The gateway has too many open MCP sessions; try again later", null));
      return;
    }
    CallContext call = new CallContext(principal, session, view, id, m -> { });
    dev.portcullis.telemetry.McpTracing t = tracing;
    dev.portcullis.telemetry.McpTracing.Span span = t == null ? null
        : McpSpans.server(t, ctx, McpMethods.INITIALIZE, params, id, session.id(), version);
    CallContext traced = span == null ? call : call.traced(span);
    McpSpans.ending(span, handler.request(traced, McpMethods.INITIALIZE, params)).onComplete(ar -> {
      McpOutcomes.ended(ctx, ar);
      if (ar.succeeded()) {
        ObjectNode result = ((ObjectNode) ar.result()).put("protocolVersion", version);
        // shared before the client learns the id: its next request may reach another replica
        sessions.share(session).onComplete(shared -> {
          if (shared.failed()) {
            LOG.atWarn().addKeyValue("error", shared.cause().toString())
                .log("could not share a new MCP session; it is served by this replica only");
          }
          ctx.response().putHeader(SESSION_HEADER, session.id());
          send(ctx.response(), 200, JsonRpc.result(id, result));
        });
      } else {
        sessions.remove(session);
        send(ctx.response(), 200, JsonRpc.error(id, ar.cause()));
      }
    });
  }

  private void request(RoutingContext ctx, CallContext untraced, String method, ObjectNode params, String accept) {
    HttpServerResponse resp = ctx.response();
    JsonNode id = untraced.requestId();
    dev.portcullis.telemetry.McpTracing t = tracing;
    dev.portcullis.telemetry.McpTracing.Span span = t == null ? null : McpSpans.server(t, ctx, method, params, id,
        untraced.session().id(), untraced.session().protocolVersion());
    CallContext call = span == null ? untraced : untraced.traced(span);
    if (accept != null && accepts(accept, "text/event-stream") && handler.streams(method, params)) {
      SseStream stream = call.session().newStream();
      stream.attach(resp, -1, ProtocolVersions.atLeast(call.session().protocolVersion(),
          ProtocolVersions.V2025_11_25));
      CallContext streamed = new CallContext(call.principal(), call.session(), call.view(), id, stream::send,
          null, null, call.clientIp(), span);
      McpSpans.ending(span, handler.request(streamed, method, params)).onComplete(ar -> {
        McpOutcomes.ended(ctx, ar);
        stream.send(ar.succeeded() ? JsonRpc.result(id, ar.result()) : JsonRpc.error(id, logged(method, ar.cause())));
        stream.finish();
      });
      return;
    }
    McpSpans.ending(span, handler.request(call, method, params)).onComplete(ar -> {
      McpOutcomes.ended(ctx, ar);
      send(resp, 200, ar.succeeded() ? JsonRpc.result(id, ar.result()) : JsonRpc.error(id, logged(method, ar.cause())));
    });
  }

  /** The client's address, as policy rules ({@code client_ip}) and the audit trail see it. */
  static String clientIp(RoutingContext ctx) {
    var a = ctx.request().remoteAddress();
    return a == null ? null : a.hostAddress();
  }

  private static Throwable logged(String method, Throwable t) {
    if (!(t instanceof McpError)) {
      LOG.warn("MCP request {} failed inside the gateway", method, t);
    }
    return t;
  }

  private void get(RoutingContext ctx) {
    if (statelessOnly(ctx)) {
      return;
    }
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    if (accept == null || !accepts(accept, "text/event-stream")) {
      httpError(ctx.response(), 406, McpError.INVALID_REQUEST, "Not Acceptable: GET requires text/event-stream");
      return;
    }
    session(ctx, ctx.get(PRINCIPAL), view(ctx)).onSuccess(session -> {
      if (session != null) {
        stream(ctx, session);
      }
    });
  }

  private void stream(RoutingContext ctx, McpSession session) {
    String last = ctx.request().getHeader("last-event-id");
    if (last != null) {
      int dot = last.lastIndexOf('.');
      SseStream s = dot > 0 ? session.stream(last.substring(0, dot)) : null;
      long seq = -1;
      try {
        seq = dot > 0 ? Long.parseLong(last.substring(dot + 1)) : -1;
      } catch (NumberFormatException e) {
        s = null;
      }
      if (s != null && seq >= 0) {
        s.attach(ctx.response(), seq, false);
        return;
      }
    }
    SseStream standalone = session.standalone();
    if (standalone.connected()) {
      httpError(ctx.response(), 409, McpError.INVALID_REQUEST,
          "Conflict: this session already has an open GET stream");
      return;
    }
    standalone.attach(ctx.response(), -1, false);
  }

  private void delete(RoutingContext ctx) {
    if (statelessOnly(ctx)) {
      return;
    }
    session(ctx, ctx.get(PRINCIPAL), view(ctx)).onSuccess(session -> {
      if (session != null) {
        sessions.remove(session).onComplete(ended -> ctx.response().setStatusCode(200).end());
      }
    });
  }

  /** Keeps the open 2026-07-28 streams (subscriptions/listen) alive through idle proxies. */
  public void keepAlive() {
    stateless.keepAlive();
  }

  /** GET and DELETE do not exist in the stateless revisions: 405 (true when answered). */
  private static boolean statelessOnly(RoutingContext ctx) {
    if (!ProtocolVersions.modern(ctx.request().getHeader(VERSION_HEADER))) {
      return false;
    }
    ctx.response().putHeader(HttpHeaders.ALLOW, "POST");
    httpError(ctx.response(), 405, McpError.INVALID_REQUEST, "Method not allowed in protocol version "
        + ctx.request().getHeader(VERSION_HEADER) + ": use POST (subscriptions/listen replaces the GET stream)");
    return true;
  }

  /**
   * The request's session (from this replica, or from the record another replica shared), or
   * null after answering 400/404 (missing, unknown, another principal's, wrong version).
   */
  private io.vertx.core.Future<McpSession> session(RoutingContext ctx, Principal principal, String view) {
    String id = ctx.request().getHeader(SESSION_HEADER);
    if (id == null) {
      httpError(ctx.response(), 400, McpError.INVALID_REQUEST,
          "Bad Request: Mcp-Session-Id header is required (send initialize first)");
      return io.vertx.core.Future.succeededFuture();
    }
    return sessions.find(id, principal.id(), view).map(s -> {
      if (s == null) {
        httpError(ctx.response(), 404, McpError.SESSION_NOT_FOUND, "Session not found");
        return null;
      }
      String version = ctx.request().getHeader(VERSION_HEADER);
      if (version != null && !ProtocolVersions.supported(version)) {
        httpError(ctx.response(), 400, McpError.INVALID_REQUEST, "Bad Request: unsupported "
            + VERSION_HEADER + " '" + version + "' (supported: " + ProtocolVersions.LEGACY + ")");
        return null;
      }
      return s;
    });
  }

  private void failure(RoutingContext ctx) {
    if (ctx.statusCode() == 413) {
      httpError(ctx.response(), 413, McpError.INVALID_REQUEST, "Request body too large");
      return;
    }
    if (ctx.failure() != null) {
      LOG.warn("MCP endpoint failure", ctx.failure());
    }
    int status = ctx.statusCode() >= 400 ? ctx.statusCode() : 500;
    httpError(ctx.response(), status, McpError.INTERNAL_ERROR, status == 500 ? "Internal error" : "Request failed");
  }

  private static boolean accepts(String accept, String type) {
    String a = accept.toLowerCase();
    return a.contains(type) || a.contains("*/*");
  }

  /** The 401 answer for /mcp: a JSON-RPC error and a Bearer challenge. */
  public static void unauthorized(HttpServerResponse resp, boolean missing) {
    resp.putHeader("www-authenticate", "Bearer");
    httpError(resp, 401, McpError.INVALID_REQUEST, missing
        ? "Unauthorized: send your gateway key as 'Authorization: Bearer YOUR_KEY'"
        : "Unauthorized: the key is not valid");
  }

  /** An error answered before a request id could be read: JSON-RPC's error response with id null. */
  public static void httpError(HttpServerResponse resp, int status, int code, String message) {
    String outcomeCode = McpOutcomes.httpCode(status, code);
    if (outcomeCode != null && !resp.headWritten()) {
      resp.putHeader(dev.portcullis.telemetry.AccessRecord.CODE_HEADER, outcomeCode); // removed before sending
    }
    send(resp, status, JsonRpc.error(null, code, message, null));
  }

  static void send(HttpServerResponse resp, int status, JsonNode body) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toString());
  }

  /** For tests and wiring: a consumer that ignores messages. */
  static Consumer<JsonNode> ignore() {
    return m -> { };
  }
}
