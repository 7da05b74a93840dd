package dev.portcullis.server;

import dev.portcullis.telemetry.LlmTracing;
import io.vertx.ext.web.RoutingContext;

/**
 * Starts the trace of each request on the LLM routes (its parent: the client's
 * {@code traceparent}) and ends it when the response ends, unless the proxy took the call (the
 * proxy then ends it with the call's outcome). Installed only when tracing is on. Wiring only.
 */
final class TraceStep {
  /** The request's {@link LlmTracing.Call}. */
  static final String TRACE = "portcullis.trace";

  private final LlmTracing tracing;

  TraceStep(LlmTracing tracing) {
    this.tracing = tracing;
  }

  void start(RoutingContext ctx) {
    var req = ctx.request();
    LlmTracing.Call call = tracing.start(req::getHeader, req.method().name(), req.path(),
        ctx.get(GatewayVerticle.REQUEST_ID));
    ctx.put(TRACE, call);
    ctx.addEndHandler(v -> call.responseEnded(ctx.response().getStatusCode()));
    ctx.next();
  }

  /** The request's trace, or null (tracing off, or not an LLM route). */
  static LlmTracing.Call of(RoutingContext ctx) {
    return ctx.get(TRACE);
  }
}
