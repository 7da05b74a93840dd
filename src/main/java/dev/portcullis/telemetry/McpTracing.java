package dev.portcullis.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.List;
import java.util.function.Function;

/**
 * Traces of MCP calls, with the OpenTelemetry MCP semantic conventions, for the MCP surface.
 *
 * <p>Trace context travels in {@code params._meta} ({@code traceparent}, {@code tracestate}:
 * W3C Trace Context values, as the MCP specification documents, SEP-414), and over HTTP in the
 * headers of the same names. A request's {@code _meta} wins over its HTTP headers (one HTTP
 * request may carry the messages of several traces).
 *
 * <p>Use: {@link #server} when a client's request arrives (SERVER span
 * {@code {mcp.method.name} {target}}, parent from {@code _meta} or the headers), {@link #client}
 * under it for each call to an upstream MCP server, {@link Span#inject} to put that client
 * span's context into the upstream request's {@code params._meta} (and {@link Span#headers}
 * for its HTTP headers), and {@link Span#end} when the answer is in. Obtained from
 * {@link Telemetry#mcp()}, which is null when tracing is off: callers then do nothing.
 */
public final class McpTracing {
  private static final TextMapGetter<JsonNode> META = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(JsonNode meta) {
      return List.of("traceparent", "tracestate");
    }

    @Override
    public String get(JsonNode meta, String key) {
      JsonNode v = meta == null ? null : meta.get(key);
      return v != null && v.isTextual() ? v.textValue() : null;
    }
  };
  private static final TextMapSetter<ObjectNode> SET_META = (meta, key, value) -> {
    if (meta != null) {
      meta.put(key, value);
    }
  };

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  McpTracing(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  /** What an MCP request is: method, target and the ids the conventions name. */
  public record Request(String method, String target, JsonNode id, String sessionId, String protocolVersion) {
    /** A tools/call of {@code tool}. */
    public static Request toolCall(String tool, JsonNode id, String sessionId, String protocolVersion) {
      return new Request("tools/call", tool, id, sessionId, protocolVersion);
    }
  }

  /**
   * Starts the SERVER span of a request a client sent to the gateway.
   *
   * @param params the request's params (its {@code _meta} is read), or null
   * @param headers the HTTP request's headers by lower-case name, or null (stdio)
   */
  public Span server(Request r, JsonNode params, Function<String, String> headers) {
    Context parent = parent(params, headers);
    SpanBuilder b = tracer.spanBuilder(name(r)).setSpanKind(SpanKind.SERVER).setParent(parent);
    attributes(b, r);
    if (headers != null) {
      b.setAttribute("network.transport", "tcp").setAttribute("network.protocol.name", "http");
    }
    return new Span(b.startSpan());
  }

  /**
   * Starts the CLIENT span of a call the gateway makes to an upstream MCP server.
   *
   * @param parent the span it serves (usually the {@link #server} span), or null for a new trace
   * @param serverAddress the upstream's host (null for a stdio server)
   * @param serverPort its port, or 0
   */
  public Span client(Span parent, Request r, String serverAddress, int serverPort) {
    SpanBuilder b = tracer.spanBuilder(name(r)).setSpanKind(SpanKind.CLIENT)
        .setParent(parent == null ? Context.root() : Context.root().with(parent.span));
    attributes(b, r);
    if (serverAddress != null) {
      b.setAttribute("server.address", serverAddress).setAttribute("network.transport", "tcp")
          .setAttribute("network.protocol.name", "http");
      if (serverPort > 0) {
        b.setAttribute("server.port", (long) serverPort);
      }
    } else {
      b.setAttribute("network.transport", "pipe");
    }
    return new Span(b.startSpan());
  }

  /** The context a request's {@code params._meta} carries, else its HTTP headers', else none. */
  Context parent(JsonNode params, Function<String, String> headers) {
    JsonNode meta = params == null ? null : params.get("_meta");
    if (meta != null && meta.isObject() && meta.hasNonNull("traceparent")) {
      Context c = propagator.extract(Context.root(), meta, META);
      if (io.opentelemetry.api.trace.Span.fromContext(c).getSpanContext().isValid()) {
        return c;
      }
    }
    return headers == null ? Context.root() : propagator.extract(Context.root(), headers, LlmTracing.HEADERS);
  }

  /** {@code {mcp.method.name} {target}} for tools and prompts; a resource URI is no span name (cardinality). */
  private static String name(Request r) {
    boolean named = "tools/call".equals(r.method()) || "prompts/get".equals(r.method());
    return !named || r.target() == null || r.target().isEmpty() ? r.method() : r.method() + " " + r.target();
  }

  private static void attributes(SpanBuilder b, Request r) {
    b.setAttribute("mcp.method.name", r.method());
    if (r.sessionId() != null) {
      b.setAttribute("mcp.session.id", r.sessionId());
    }
    if (r.protocolVersion() != null) {
      b.setAttribute("mcp.protocol.version", r.protocolVersion());
    }
    if (r.id() != null && !r.id().isNull()) {
      b.setAttribute("jsonrpc.request.id", r.id().isTextual() ? r.id().textValue() : r.id().toString());
    }
    if (r.target() != null) {
      switch (r.method()) {
        case "tools/call" -> b.setAttribute("gen_ai.tool.name", r.target())
            .setAttribute("gen_ai.operation.name", "execute_tool");
        case "prompts/get" -> b.setAttribute("gen_ai.prompt.name", r.target());
        case "resources/read", "resources/subscribe", "resources/unsubscribe" ->
            b.setAttribute("mcp.resource.uri", r.target());
        default -> { }
      }
    }
  }

  /** One MCP span. Not thread-safe in what it records; end it once. */
  public final class Span {
    private final io.opentelemetry.api.trace.Span span;

    Span(io.opentelemetry.api.trace.Span span) {
      this.span = span;
    }

    /** 32 hex digits: the trace this call belongs to (for the audit trail). */
    public String traceId() {
      return span.getSpanContext().getTraceId();
    }

    /** 16 hex digits. */
    public String spanId() {
      return span.getSpanContext().getSpanId();
    }

    /** Puts this span's context into {@code params._meta} (creating {@code _meta}; other keys stay). */
    public void inject(ObjectNode params) {
      JsonNode existing = params.get("_meta");
      ObjectNode meta = existing instanceof ObjectNode o ? o : params.putObject("_meta");
      propagator.inject(Context.root().with(span), meta, SET_META);
    }

    /** This span's context as HTTP headers (traceparent, tracestate), for the upstream request. */
    public java.util.Map<String, String> headers() {
      java.util.Map<String, String> h = new java.util.LinkedHashMap<>(2);
      propagator.inject(Context.root().with(span), h, (m, k, v) -> m.put(k, v));
      return h;
    }

    /** The call failed with a JSON-RPC error. */
    public Span rpcError(int code, String message) {
      span.setAttribute("rpc.response.status_code", Integer.toString(code));
      span.setAttribute("error.type", Integer.toString(code));
      span.setStatus(StatusCode.ERROR, message);
      return this;
    }

    /** The tool ran but reported a failure ({@code isError: true}), or the call failed otherwise. */
    public Span error(String type) {
      span.setAttribute("error.type", type);
      span.setStatus(StatusCode.ERROR);
      return this;
    }

    /** Any further attribute (gen_ai.tool.call.id, portcullis.server...). */
    public Span attribute(String key, String value) {
      if (value != null) {
        span.setAttribute(key, value);
      }
      return this;
    }

    public void end() {
      span.end();
    }
  }
}
