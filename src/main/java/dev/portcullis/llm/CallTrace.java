package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;

/**
 * The trace of one LLM call, told by the proxy what happens to it. Implemented in telemetry/;
 * the proxy is handed null when tracing is off and then does no tracing work. Called on the
 * call's event loop.
 */
public interface CallTrace {
  /** The proxy took the call (after the guard and the limits): what was asked for. */
  void routed(LlmRequest request);

  /**
   * An attempt is about to go upstream: starts its span and puts the trace headers
   * ({@code traceparent}, {@code tracestate}) on the upstream request.
   *
   * @param number 1 for the first attempt, 2 for the first retry or fallback...
   */
  Attempt attempt(Deployment deployment, UpstreamRequest request, int number);

  /** The first bytes of the answer as the client gets them (a whole body, or the first stream event). */
  void answer(Buffer first);

  /** The call is over, whatever the outcome. */
  void finished(CallSummary summary);

  /** One attempt's span. */
  interface Attempt {
    /**
     * @param status the upstream's HTTP status, 0 when none came
     * @param errorType why the attempt failed (timeout_first_byte, http_500, connect...), null on success
     */
    void end(int status, String errorType);
  }
}
