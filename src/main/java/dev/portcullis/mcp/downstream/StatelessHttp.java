package dev.portcullis.mcp.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.identity.Principal;
import dev.portcullis.mcp.CallContext;
import dev.portcullis.mcp.McpHandler;
import dev.portcullis.mcp.McpOutcomes;
import dev.portcullis.mcp.McpSpans;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.mcp.protocol.ProtocolVersions;
import dev.portcullis.mcp.protocol.RequestMeta;
import dev.portcullis.mcp.upstream.Cancellation;
import io.vertx.core.AsyncResult;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The downstream Streamable HTTP transport of the stateless revisions (2026-07-28): every POST
 * stands alone — no initialize, no session; the protocol version, client capabilities and client
 * info come in the request's {@code _meta}, mirrored (and checked) in the {@code MCP-Protocol-Version},
 * {@code Mcp-Method}, {@code Mcp-Name} and {@code Mcp-Param-*} headers. The answer is JSON, or an SSE
 * stream opened as soon as something related to the request must go out first; closing that
 * stream cancels the request.
 */
final class StatelessHttp {
  private static final java.util.Set<String> NAMED =
      java.util.Set.of(McpMethods.TOOLS_CALL, McpMethods.PROMPTS_GET, McpMethods.RESOURCES_READ);
  private final McpHandler handler;
  /** Answers currently streaming (subscriptions/listen, long calls): kept alive by comment lines. */
  private final java.util.Set<Answer> streaming = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** A SERVER span per request; null when tracing is off. */
  private final dev.portcullis.telemetry.McpTracing tracing;

  /** @param tracing traces every request (null: off) */
  StatelessHttp(McpHandler handler, dev.portcullis.telemetry.McpTracing tracing) {
    this.handler = handler;
    this.tracing = tracing;
  }

  /** Whether a POST speaks a stateless revision (decided before any session lookup). */
  static boolean applies(HttpServerRequest req, JsonNode msg) {
    String header = req.getHeader(McpHttpEndpoint.VERSION_HEADER);
    if (ProtocolVersions.modern(header)) {
      return true;
    }
    boolean sessionless = req.getHeader(McpHttpEndpoint.SESSION_HEADER) == null
        && !McpMethods.INITIALIZE.equals(msg.path("method").asText());
    if (!sessionless) {
      return false;
    }
    // a body that says it is stateless, or a version nobody knows (answered with -32020 / -32022)
    return msg.path("params").path("_meta").has(RequestMeta.PROTOCOL_VERSION)
        || (header != null && !ProtocolVersions.supported(header));
  }

  void post(RoutingContext ctx, Principal principal, String view, JsonNode msg, JsonRpc.Kind kind, String accept) {
    HttpServerResponse resp = ctx.response();
    if (kind == JsonRpc.Kind.RESPONSE) {
      McpHttpEndpoint.httpError(resp, 400, McpError.INVALID_REQUEST,
          "Invalid Request: clients do not send JSON-RPC responses in protocol version " + ProtocolVersions.V2026_07_28);
      return;
    }
    if (kind == JsonRpc.Kind.NOTIFICATION) {
      resp.setStatusCode(202).end(); // only notifications/cancelled exists, and on HTTP closing the stream cancels
      return;
    }
    JsonNode id = msg.get("id");
    String method = msg.path("method").asText();
    ObjectNode params = JsonRpc.params(msg);
    McpOutcomes.named(ctx, method, params);
    McpError invalid = check(ctx.request(), method, params);
    if (invalid != null) {
      McpHttpEndpoint.send(resp, 400, JsonRpc.error(id, invalid));
      return;
    }
    Map<String, String> paramHeaders = new HashMap<>();
    ctx.request().headers().forEach((k, v) -> {
      String lower = k.toLowerCase(Locale.ROOT);
      if (lower.startsWith(McpHeaders.PARAM_PREFIX)) {
        paramHeaders.put(lower, v);
      }
    });
    Cancellation cancel = new Cancellation();
    Answer answer = new Answer(streaming, resp, accept == null || accept.toLowerCase(Locale.ROOT).contains("text/event-stream")
        || accept.contains("*/*"));
    resp.closeHandler(v -> {
      streaming.remove(answer);
      if (!answer.done()) {
        cancel.cancel(); // the client closed the stream: the request is cancelled
      }
    });
    dev.portcullis.telemetry.McpTracing t = tracing;
    dev.portcullis.telemetry.McpTracing.Span span = t == null ? null
        : McpSpans.server(t, ctx, method, params, id, null, ctx.request().getHeader(McpHttpEndpoint.VERSION_HEADER));
    CallContext call = new CallContext(principal, null, view, id, answer::related,
        RequestMeta.of(params, paramHeaders), cancel, McpHttpEndpoint.clientIp(ctx), span);
    McpSpans.ending(span, handler.request(call, method, params)).onComplete(ar -> {
      McpOutcomes.ended(ctx, ar);
      answer.finish(id, ar);
    });
  }

  /** The header and version checks of the transport: a -32020 or -32022 error, or null. */
  static McpError check(HttpServerRequest req, String method, ObjectNode params) {
    String header = req.getHeader(McpHttpEndpoint.VERSION_HEADER);
    JsonNode bodyVersion = params.path("_meta").get(RequestMeta.PROTOCOL_VERSION);
    if (header == null) {
      return mismatch("Header mismatch: the MCP-Protocol-Version header is required");
    }
    if (bodyVersion == null || !bodyVersion.isTextual()) {
      return mismatch("Header mismatch: params._meta[\"" + RequestMeta.PROTOCOL_VERSION + "\"] is required and must "
          + "equal the MCP-Protocol-Version header");
    }
    if (!header.equals(bodyVersion.asText())) {
      return mismatch("Header mismatch: MCP-Protocol-Version header value '" + header + "' does not match body value '"
          + bodyVersion.asText() + "'");
    }
    if (!ProtocolVersions.modern(header)) {
      ObjectNode data = JsonRpc.F.objectNode().put("requested", header);
      ProtocolVersions.all().forEach(data.putArray("supported")::add);
      return new McpError(McpError.UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version: " + header, data);
    }
    String m = req.getHeader(McpHeaders.METHOD);
    if (m == null) {
      return mismatch("Header mismatch: the Mcp-Method header is required");
    }
    if (!m.equals(method)) {
      return mismatch("Header mismatch: Mcp-Method header value '" + m + "' does not match body value '" + method + "'");
    }
    if (NAMED.contains(method)) {
      String body = McpHeaders.nameOf(method, params);
      String raw = req.getHeader(McpHeaders.NAME);
      if (raw == null) {
        return mismatch("Header mismatch: the Mcp-Name header is required for " + method);
      }
      String h = McpHeaders.decode(raw);
      if (h == null) {
        return mismatch("Header mismatch: the Mcp-Name header value is malformed");
      }
      if (!h.equals(body)) {
        return mismatch("Header mismatch: Mcp-Name header value '" + h + "' does not match body value '" + body + "'");
      }
    }
    return null;
  }

  private static McpError mismatch(String message) {
    return new McpError(McpError.HEADER_MISMATCH, message);
  }

  /** Writes an SSE comment on every open stream, so that idle proxies keep them open. */
  void keepAlive() {
    streaming.forEach(Answer::keepAlive);
  }

  /** HTTP status of an error answered as plain JSON. */
  static int status(Throwable t) {
    if (t instanceof McpError e) {
      return switch (e.code()) {
        case McpError.HEADER_MISMATCH, McpError.UNSUPPORTED_PROTOCOL_VERSION, McpError.MISSING_CLIENT_CAPABILITY -> 400;
        case McpError.METHOD_NOT_FOUND -> 404;
        default -> 200;
      };
    }
    return 200;
  }

  /** One request's answer: plain JSON, upgraded to an SSE stream by the first related message. */
  private static final class Answer {
    private final java.util.Set<Answer> streaming;
    private final HttpServerResponse resp;
    private final boolean sse;
    private SseStream stream;
    private boolean done;

    Answer(java.util.Set<Answer> streaming, HttpServerResponse resp, boolean sse) {
      this.streaming = streaming;
      this.resp = resp;
      this.sse = sse;
    }

    synchronized void keepAlive() {
      if (stream != null) {
        stream.keepAlive();
      }
    }

    synchronized boolean done() {
      return done;
    }

    synchronized void related(JsonNode m) {
      if (done || !sse || resp.closed()) {
        return; // a JSON-only client gets the result alone
      }
      if (stream == null) {
        stream = new SseStream("r");
        stream.attach(resp, -1, false);
        streaming.add(this);
      }
      stream.send(m);
    }

    synchronized void finish(JsonNode id, AsyncResult<JsonNode> ar) {
      if (done) {
        return;
      }
      done = true;
      streaming.remove(this);
      JsonNode message = ar.succeeded() ? JsonRpc.result(id, ar.result()) : JsonRpc.error(id, ar.cause());
      if (stream != null) {
        stream.send(message);
        stream.finish();
      } else {
        McpHttpEndpoint.send(resp, ar.succeeded() ? 200 : status(ar.cause()), message);
      }
    }
  }
}
