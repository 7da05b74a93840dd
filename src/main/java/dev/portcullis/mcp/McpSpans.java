package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.aggregate.Upstream;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.telemetry.McpTracing;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the MCP surface meets {@link McpTracing}: the SERVER span of a client's request on
 * {@code /mcp} (both eras), the CLIENT span of each request sent upstream (its context injected
 * into {@code params._meta} and, for HTTP upstreams, the headers), and how a span ends. Only
 * called when tracing is on.
 */
public final class McpSpans {
  private McpSpans() {}

  /** The item a request names, for the span name and attributes (tool, prompt, resource URI), or null. */
  static String target(String method, JsonNode params) {
    return switch (method) {
      case McpMethods.TOOLS_CALL, McpMethods.PROMPTS_GET -> params.path("name").asText(null);
      case McpMethods.RESOURCES_READ, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE ->
          params.path("uri").asText(null);
      default -> null;
    };
  }

  /** Starts the SERVER span of a client's request: parent from {@code params._meta}, else the HTTP headers. */
  public static McpTracing.Span server(McpTracing tracing, RoutingContext http, String method, ObjectNode params,
      JsonNode id, String sessionId, String protocolVersion) {
    return tracing.server(new McpTracing.Request(method, target(method, params), id, sessionId, protocolVersion),
        params, name -> http.request().getHeader(name));
  }

  /**
   * Starts the CLIENT span of one request to an upstream and puts its context into the request:
   * {@code params._meta.traceparent} (the params are the request's own copy) and the returned headers.
   */
  static Traced client(McpTracing tracing, CallContext ctx, Upstream upstream, String method, ObjectNode params,
      Map<String, String> headers) {
    McpTracing.Span span = tracing.client(ctx.trace(), new McpTracing.Request(method, target(method, params), null,
        null, upstream.client().protocolVersion()), upstream.host(), upstream.port());
    span.attribute("portcullis.mcp.server", upstream.key());
    span.inject(params);
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.putAll(span.headers());
    return new Traced(span, h);
  }

  /** A client span and the headers that carry it. */
  record Traced(McpTracing.Span span, Map<String, String> headers) {}

  /** Ends a span with the request's outcome: a JSON-RPC error, a tool error ({@code isError}), or fine. */
  static void end(McpTracing.Span span, AsyncResult<JsonNode> ar) {
    if (ar.succeeded()) {
      JsonNode r = ar.result();
      if (r != null && r.path("isError").asBoolean(false)) {
        span.error("tool_error");
      }
    } else if (ar.cause() instanceof McpError e) {
      span.rpcError(e.code(), e.getMessage());
    } else {
      span.rpcError(McpError.INTERNAL_ERROR, ar.cause() == null ? null : ar.cause().getClass().getSimpleName());
    }
    span.end();
  }

  /** {@code f}, ending {@code span} (if any) when it completes. */
  public static Future<JsonNode> ending(McpTracing.Span span, Future<JsonNode> f) {
    return span == null ? f : f.andThen(ar -> end(span, ar));
  }
}
