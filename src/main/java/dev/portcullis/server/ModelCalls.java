package dev.portcullis.server;

import dev.portcullis.identity.Principal;
import dev.portcullis.llm.CallObserver;
import dev.portcullis.llm.ErrorResponder;
import dev.portcullis.llm.LlmProxy;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.ResponseFilter;
import dev.portcullis.pipeline.Call;
import dev.portcullis.pipeline.Outcome;
import dev.portcullis.pipeline.Pipeline;
import dev.portcullis.pipeline.Refused;
import dev.portcullis.pipeline.Surface;
import dev.portcullis.telemetry.AccessRecord;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the LLM surfaces share once they have parsed a request: build the {@link Call}, run the
 * pipeline, forward an admitted call to the proxy, and tell the pipeline how it ended (the
 * proxy's report covers answered, failed and abandoned calls). Refusals are answered by the
 * surface's own mapping. Wiring only; built once per route table.
 */
final class ModelCalls {
  private final Pipeline pipeline;
  private final LlmProxy proxy;

  ModelCalls(Pipeline pipeline, LlmProxy proxy) {
    this.pipeline = pipeline;
    this.proxy = proxy;
  }

  LlmProxy proxy() {
    return proxy;
  }

  /** The call for a parsed model request (the one parse of its body). */
  Call call(RoutingContext ctx, Surface surface, LlmRequest request) {
    return call(ctx, surface, request.model(), request);
  }

  /**
   * A call the surface refused before the stages (its body, its model): recorded by the stages
   * that record every call (the audit trail). The surface answers the client itself.
   */
  void reject(RoutingContext ctx, Surface surface, String model, int status, String code, String message) {
    pipeline.reject(call(ctx, surface, model, null), Refused.atEdge(status, code, message));
  }

  /**
   * A call the stages govern piecewise (a tool-loop run: each model step and tool call passes them
   * on its own), recorded as a whole by the recording stages once its response has ended.
   */
  void recordWhenEnded(RoutingContext ctx, Call call) {
    ctx.addEndHandler(ended -> pipeline.record(call, ended.succeeded()
        ? Outcome.answered(ctx.response().getStatusCode()) : Outcome.aborted()));
  }

  /**
   * Runs the call through the stages; if admitted, forwards it (the guard's rewrite of it, with
   * the guard's answer filter) and finishes it when the proxy reports how it ended.
   */
  void run(RoutingContext ctx, Call call, ErrorResponder errors, BiConsumer<HttpServerResponse, Refused> refusals) {
    run(ctx, call, errors, refusals, () -> null);
  }

  /**
   * As above, for a question the gateway may answer itself: {@code local} gives the answer once
   * the call is admitted, or null to forward it after all.
   */
  void run(RoutingContext ctx, Call call, ErrorResponder errors, BiConsumer<HttpServerResponse, Refused> refusals,
      Supplier<Buffer> local) {
    run(ctx, call, errors, refusals, local, guardFilter -> new Answer(guardFilter, errors));
  }

  /** How a surface finishes an answer itself: the filter after the guard's, and the errors that go with it. */
  record Answer(ResponseFilter filter, ErrorResponder errors) {}

  /**
   * As above, for a surface that keeps or renumbers its answers (the Responses API): {@code answer}
   * gets the guard's filter (or null) once the call is admitted and gives the filter and errors the
   * answer is forwarded with.
   */
  void run(RoutingContext ctx, Call call, ErrorResponder errors, BiConsumer<HttpServerResponse, Refused> refusals,
      Function<ResponseFilter, Answer> answer) {
    run(ctx, call, errors, refusals, () -> null, answer);
  }

  private void run(RoutingContext ctx, Call call, ErrorResponder errors,
      BiConsumer<HttpServerResponse, Refused> refusals, Supplier<Buffer> local,
      Function<ResponseFilter, Answer> finishing) {
    HttpServerResponse response = ctx.response();
    Future<Pipeline.Admitted> admitted = pipeline.run(call);
    if (!admitted.isComplete()) { // held (an approval): a client that leaves stops the wait
      response.closeHandler(v -> call.abandon());
    }
    admitted.onComplete(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof Refused r) {
          refusals.accept(response, r);
        } else {
          errors.respond(response, 500, "server_error", "internal_error",
              "The gateway failed to handle this request (request id " + call.requestId() + ").");
        }
        return;
      }
      Pipeline.Admitted a = ar.result();
      if (response.closed()) {
        a.finish(Outcome.aborted());
        return;
      }
      Buffer answer = local.get();
      if (answer != null) {
        response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(answer);
        a.finish(Outcome.answered(200));
        return;
      }
      RefusalReplies.rateHeaders(response, call.rate());
      // counting tokens is not traced as a model call (as before the pipeline)
      var trace = call.model().endpoint().countsOnly() ? null : TraceStep.of(ctx);
      CallObserver ended = AccessRecord.of(ctx).call().andThen(s -> a.finish(Outcome.served(s)));
      try {
        Answer out = finishing.apply(call.responseFilter());
        proxy.forward(call.forwarded(), response, out.errors(), call.startNanos(), out.filter(), trace, ended);
      } catch (RuntimeException e) {
        a.finish(Outcome.failed(500, "gateway_error"));
        throw e;
      }
    });
  }

  private static Call call(RoutingContext ctx, Surface surface, String model, LlmRequest request) {
    var req = ctx.request();
    Principal p = ctx.get(GatewayVerticle.PRINCIPAL);
    String path = req.path();
    String action = path.startsWith("/v1/") ? path.substring(4).replace('/', '_') : path;
    var trace = TraceStep.of(ctx); // with tracing on: the gateway's trace (the client's, or a new one)
    String traceparent = req.getHeader("traceparent");
    String traceId = trace != null ? trace.traceId()
        : traceparent != null && traceparent.length() >= 35 ? traceparent.substring(3, 35) : null;
    return new Call(ctx.get(GatewayVerticle.REQUEST_ID), surface, action, p,
        model == null ? null : Call.Target.model(model), request == null ? null : request.body(), request,
        new Call.Client(req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(),
            req.getHeader("user-agent"), req.getHeader("x-session-id")),
        traceId, ctx.get(GatewayVerticle.START_NANOS));
  }
}
