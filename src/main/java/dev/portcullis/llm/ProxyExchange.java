package dev.portcullis.llm;

import dev.portcullis.eventloop.Deadlines;
import dev.portcullis.telemetry.GatewayMetrics;
import io.netty.handler.timeout.TimeoutException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client request on its way through the router: picks a deployment, sends, and on a
 * failure that another attempt may cure, backs off and tries again, then falls back to the
 * next model group. Once the first byte has gone to the client it never retries; a failure
 * after that ends the stream with an error event. Lives on one event loop; no locking.
 */
final class ProxyExchange {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyExchange.class);
  private static final int MAX_ERROR_BODY = 16 * 1024;
  /** The stable code clients see when upstream answers broke their protocol. */
  static final String INVALID_RESPONSE_CODE = "upstream_invalid_response";

  private final Vertx vertx;
  /** The timeouts of the event loop this exchange runs on. */
  private final Deadlines deadlines;
  private final HttpClient http;
  private final RetryPolicy retries;
  private final RouterSettings settings;
  private final GatewayMetrics metrics;
  private final CallObserver observer;
  private final ErrorResponder errors;
  private final LlmRequest request;
  private final HttpServerResponse response;
  private final List<ModelGroup> groups;
  private final long startNanos;

  private final Set<Deployment> tried = new HashSet<>();
  private int groupIndex;
  private int attemptsInGroup;
  private int attempts;
  private AttemptFailure lastFailure;

  /** Changes with every attempt, so late callbacks of an abandoned attempt are ignored. */
  private int attemptSeq;
  private Deployment current;
  private HttpClientRequest upstreamRequest;
  private HttpClientResponse upstreamResponse;
  private Deadlines.Deadline firstByteTimer;
  private Deadlines.Deadline totalTimer;
  private StreamTranslator translator;
  /** Whether this attempt's in-flight count was already given back. */
  private boolean released;
  private boolean committed;
  private boolean finished;
  private long firstByteNanos = -1;
  private ResponseFilter filter;
  /** The call's trace, or null when tracing is off. */
  private CallTrace trace;
  private CallTrace.Attempt attemptSpan;
  private int attemptStatus;
  private long attemptStartNanos;

  ProxyExchange(Vertx vertx, HttpClient http, RetryPolicy retries, RouterSettings settings,
      GatewayMetrics metrics, CallObserver observer, ErrorResponder errors, LlmRequest request,
      HttpServerResponse response, List<ModelGroup> groups, long startNanos) {
    this.vertx = vertx;
    this.deadlines = Deadlines.here(vertx);
    this.http = http;
    this.retries = retries;
    this.settings = settings;
    this.metrics = metrics;
    this.observer = observer;
    this.errors = errors;
    this.request = request;
    this.response = response;
    this.groups = groups;
    this.startNanos = startNanos;
  }

  /** Rewrites what goes back to the client (the guard), or null. */
  ProxyExchange filter(ResponseFilter filter) {
    this.filter = filter;
    return this;
  }

  /** Reports to the call's trace (null: tracing is off). */
  ProxyExchange trace(CallTrace trace) {
    this.trace = trace;
    return this;
  }

  void start() {
    if (trace != null) {
      trace.routed(request);
    }
    response.closeHandler(v -> clientClosed());
    attempt();
  }

  private void attempt() {
    if (finished) {
      return;
    }
    while (groupIndex < groups.size()) {
      ModelGroup group = groups.get(groupIndex);
      if (attemptsInGroup < retries.maxAttemptsPerGroup()) {
        Deployment d = DeploymentPicker.pick(group, tried, System.nanoTime());
        if (d != null) {
          send(d);
          return;
        }
      }
      groupIndex++; // exhausted: fall back to the next group at once
      attemptsInGroup = 0;
    }
    failFinally();
  }

  private void send(Deployment d) {
    if (lastFailure != null) {
      // Counted here, not on failure: a failed last attempt is followed by no retry.
      metrics.retry(lastFailure.deployment().labels(), lastFailure.reason());
    }
    int seq = ++attemptSeq;
    attempts++;
    attemptsInGroup++;
    tried.add(d);
    current = d;
    released = false;
    attemptStartNanos = System.nanoTime();
    d.begin();
    UpstreamRequest ur;
    URL target;
    try {
      ur = d.adapter().prepare(request, d);
      target = d.url(ur.absoluteUri());
    } catch (UnsupportedRequestException e) {
      d.end();
      finishWithError(400, "invalid_request_error", "unsupported_by_provider", e.getMessage());
      return;
    } catch (RuntimeException e) {
      d.end();
      finishWithError(500, "server_error", "internal_error", "Could not prepare the upstream request.");
      return;
    }
    if (trace != null) {
      attemptStatus = 0;
      attemptSpan = trace.attempt(d, ur, attempts); // adds traceparent to the upstream headers
    }
    var timeouts = d.config().timeouts();
    firstByteTimer = deadlines.after(timeouts.firstByteMs(), () -> timedOut(seq, "timeout_first_byte",
        "no response within " + timeouts.firstByteMs() + " ms"));
    totalTimer = deadlines.after(timeouts.totalMs(), () -> timedOut(seq, "timeout_total",
        "not finished within " + timeouts.totalMs() + " ms"));
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(target)
        .setHeaders(ur.headers())
        .setConnectTimeout(timeouts.connectMs());
    http.request(options)
        .compose(req -> {
          if (seq != attemptSeq || finished) {
            req.reset();
            return io.vertx.core.Future.failedFuture("abandoned");
          }
          upstreamRequest = req;
          return req.send(ur.body());
        })
        .onComplete(ar -> onResponse(seq, ar));
  }

  private void onResponse(int seq, AsyncResult<HttpClientResponse> ar) {
    if (seq != attemptSeq || finished) {
      return;
    }
    if (ar.failed()) {
      Throwable cause = ar.cause();
      String reason = cause instanceof ConnectException || cause instanceof java.net.UnknownHostException ? "connect"
          : isTimeout(cause) ? "timeout_connect" : "reset";
      fail(AttemptFailure.transport(current, reason, 0, describe(cause)));
      return;
    }
    HttpClientResponse resp = ar.result();
    upstreamResponse = resp;
    int status = resp.statusCode();
    attemptStatus = status;
    if (status >= 200 && status < 300) {
      String problem = UpstreamHeaders.problem(resp, request.stream(), current.adapter().streamMediaType());
      if (problem != null) {
        readInvalid(seq, resp, "HTTP " + status + " with " + problem);
      } else if (request.stream()) {
        relayStream(seq, resp);
      } else {
        relayBody(seq, resp);
      }
    } else if (status >= 400 && status < 600) {
      readError(seq, resp);
    } else {
      // Redirects are not followed (the gateway sends credentials to configured URLs only), and
      // informational or unknown statuses are no answer: all of them are a broken deployment.
      String location = resp.getHeader(HttpHeaders.LOCATION);
      readInvalid(seq, resp, "unexpected HTTP status " + status + (location != null ? " to " + location : ""));
    }
  }

  private void relayBody(int seq, HttpClientResponse resp) {
    Buffer body = Buffer.buffer();
    resp.handler(chunk -> {
      if (seq != attemptSeq || finished) {
        return;
      }
      cancelFirstByteTimer();
      if (body.length() + chunk.length() > settings.maxResponseBytes()) {
        String tooLarge = "sent a response larger than " + settings.maxResponseBytes() + " bytes";
        fail(new AttemptFailure(current, "too_large", resp.statusCode(), tooLarge, tooLarge, -1, null, false));
        resp.request().reset(); // after fail(): the reset reports back at once, to a now stale attempt
        return;
      }
      body.appendBuffer(chunk);
    });
    resp.exceptionHandler(e -> {
      if (seq == attemptSeq && !finished) {
        fail(AttemptFailure.transport(current, "reset", resp.statusCode(), describe(e)));
      }
    });
    resp.endHandler(v -> {
      if (seq != attemptSeq || finished) {
        return;
      }
      ProviderAdapter.TranslatedBody out;
      try {
        out = current.adapter().translateBody(request, body);
      } catch (InvalidUpstreamResponseException e) {
        fail(AttemptFailure.invalid(current, resp.statusCode(), e.getMessage()));
        return;
      } catch (RuntimeException e) {
        // A shape the translator did not foresee: the client gets a 502, not a hang; the log the trace.
        LOG.warn("request {}: the answer of deployment '{}' could not be translated", request.requestId(),
            current.name(), e);
        fail(AttemptFailure.invalid(current, resp.statusCode(), "untranslatable answer: " + describe(e)));
        return;
      }
      Buffer clientBody = out.body();
      if (filter != null) {
        clientBody = filter.body(clientBody);
        if (clientBody == null) {
          succeeded();
          finishWithError(400, "invalid_request_error", "guard_blocked", filter.refusal());
          return;
        }
      }
      succeeded();
      // The adapter has read the body as the endpoint's JSON: say so, whatever the upstream's
      // headers claimed, and answer 200 (a 201 or 203 from an upstream means nothing to clients).
      response.setStatusCode(200);
      response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
      commonHeaders();
      firstByteNanos = System.nanoTime() - startNanos;
      if (trace != null) {
        trace.answer(clientBody);
      }
      response.end(clientBody);
      finish(200, out.usage(), "ok");
    });
  }

  private void relayStream(int seq, HttpClientResponse resp) {
    StreamTranslator translator = current.adapter().streamTranslator(request, current);
    this.translator = translator;
    long[] relayed = {0};
    resp.handler(chunk -> {
      if (seq != attemptSeq || finished) {
        return;
      }
      relayed[0] += chunk.length();
      if (relayed[0] > settings.maxResponseBytes()) {
        String tooLong = "The upstream stream exceeded " + settings.maxResponseBytes() + " bytes and was cut.";
        interrupted(translator, "stream_too_long", tooLong, tooLong);
        resp.request().reset(); // after interrupted(): the reset's own error must find the exchange finished
        return;
      }
      try {
        translator.onData(chunk, this::writeStream);
      } catch (InvalidUpstreamResponseException e) {
        streamBroken(translator, AttemptFailure.invalid(current, resp.statusCode(), e.getMessage()));
        resp.request().reset(); // after streamBroken(): the reset's own error must find the attempt stale
        return;
      }
      if (translator.upstreamError() != null) {
        // Acted on at once: the upstream may keep the connection open after its error event.
        upstreamReportedError(translator, resp.statusCode());
        resp.request().reset();
        return;
      }
      if (response.writeQueueFull()) {
        resp.pause();
        response.drainHandler(d -> resp.resume());
      }
    });
    resp.exceptionHandler(e -> {
      if (seq != attemptSeq || finished) {
        return;
      }
      if (!committed) {
        fail(AttemptFailure.transport(current, "reset", resp.statusCode(), describe(e)));
      } else {
        interrupted(translator, "stream_interrupted", "The upstream stream from deployment '" + current.name()
            + "' broke off.", describe(e));
      }
    });
    resp.endHandler(v -> {
      if (seq != attemptSeq || finished) {
        return;
      }
      try {
        translator.onEnd(this::writeStream);
      } catch (InvalidUpstreamResponseException e) {
        streamBroken(translator, AttemptFailure.invalid(current, resp.statusCode(), e.getMessage()));
        return;
      }
      if (translator.upstreamError() != null) {
        upstreamReportedError(translator, resp.statusCode());
        return;
      }
      if (!committed && !translator.completed()) {
        // Ended before its end marker with nothing sent on: as good as a reset, and nothing has
        // reached the client, so another attempt may still answer.
        fail(new AttemptFailure(current, "empty_stream", resp.statusCode(),
            "ended its stream before the end of the answer", "stream ended without its end marker", -1, null,
            true));
        return;
      }
      succeeded();
      if (!committed) {
        commitStream();
      }
      if (translator.completed()) {
        if (filter != null) {
          filter.end(this::writeFiltered);
        }
        response.end();
        finish(200, translator.usage(), "ok");
      } else {
        interrupted(translator, "stream_incomplete", "The upstream stream from deployment '" + current.name()
            + "' ended before the answer was complete.", "stream ended without its end marker");
      }
    });
  }

  /** The upstream reported an error inside its stream (Anthropic's error event, a Bedrock exception). */
  private void upstreamReportedError(StreamTranslator translator, int status) {
    StreamTranslator.StreamError e = translator.upstreamError();
    if (!committed) {
      fail(new AttemptFailure(current, "stream_" + e.code(), status, "reported an error in its stream: "
          + e.message(), e.message(), -1, null, e.retryable()));
    } else {
      interrupted(translator, e.code(), "The upstream stream from deployment '" + current.name()
          + "' reported an error: " + e.message(), e.message());
    }
  }

  /** The stream broke its protocol: retried while nothing reached the client, else ended with an error. */
  private void streamBroken(StreamTranslator translator, AttemptFailure failure) {
    if (!committed) {
      fail(failure);
    } else {
      interrupted(translator, INVALID_RESPONSE_CODE, "The upstream stream from deployment '" + current.name()
          + "' sent an invalid event and was cut off.", failure.logDetail());
    }
  }

  private void writeStream(Buffer event) {
    if (filter != null) {
      filter.event(event, this::writeFiltered);
      return;
    }
    writeFiltered(event);
  }

  private void writeFiltered(Buffer event) {
    if (!committed) {
      commitStream();
      if (trace != null) {
        trace.answer(event);
      }
    }
    response.write(event);
  }

  private void commitStream() {
    committed = true;
    cancelFirstByteTimer();
    firstByteNanos = System.nanoTime() - startNanos;
    metrics.firstToken(labels(), firstByteNanos);
    response.setStatusCode(200);
    response.setChunked(true);
    response.putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    response.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    commonHeaders();
  }

  /**
   * A stream that already reached the client cannot be retried: end it with an error event.
   * {@code message} is for the client; {@code logDetail} only for the gateway log.
   */
  private void interrupted(StreamTranslator translator, String code, String message, String logDetail) {
    logFailure(code, attemptStatus, logDetail);
    current.noteError(code);
    endAttemptSpan(code);
    metrics.upstreamError(labels(), code);
    current.recordFailure(settings.cooldownFailures(), settings.cooldownNanos(), System.nanoTime());
    if (!committed) {
      commitStream();
    }
    response.end(errors.streamError("upstream_error", code, message + requestIdNote()));
    finish(200, translator.usage(), code);
  }

  private void readError(int seq, HttpClientResponse resp) {
    Buffer body = Buffer.buffer();
    resp.handler(chunk -> {
      if (body.length() < MAX_ERROR_BODY) {
        body.appendBuffer(chunk, 0, Math.min(chunk.length(), MAX_ERROR_BODY - body.length()));
      }
    });
    resp.exceptionHandler(e -> { }); // the status alone decides; a broken error body changes nothing
    resp.endHandler(v -> {
      if (seq != attemptSeq || finished) {
        return;
      }
      int status = resp.statusCode();
      boolean retryable = RetryPolicy.retryableStatus(status);
      String text = UpstreamErrorText.of(body);
      fail(new AttemptFailure(current, "http_" + status, status, "answered HTTP " + status + ": " + text,
          "HTTP " + status + ": " + UpstreamErrorText.raw(body), RetryPolicy.retryAfterMs(resp.headers()),
          retryable ? null : body, retryable));
    });
  }

  /** A 2xx (or other) answer already known to be unusable: reads what it said for the log, then fails. */
  private void readInvalid(int seq, HttpClientResponse resp, String problem) {
    Buffer body = Buffer.buffer();
    resp.handler(chunk -> {
      if (body.length() < MAX_ERROR_BODY) {
        body.appendBuffer(chunk, 0, Math.min(chunk.length(), MAX_ERROR_BODY - body.length()));
      }
    });
    resp.exceptionHandler(e -> { }); // unusable either way
    resp.endHandler(v -> {
      if (seq == attemptSeq && !finished) {
        fail(AttemptFailure.invalid(current, resp.statusCode(), problem + "; body: " + UpstreamErrorText.raw(body)));
      }
    });
  }

  private void timedOut(int seq, String reason, String detail) {
    if (seq != attemptSeq || finished) {
      return;
    }
    HttpClientRequest req = upstreamRequest;
    if (committed) {
      interrupted(translator, reason,
          "The upstream stream from deployment '" + current.name() + "' timed out: " + detail + ".", detail);
    } else {
      fail(new AttemptFailure(current, reason, 0, detail, detail, -1, null, true));
    }
    // Reset only now: reset() fails the pending response at once, and that failure must find this
    // attempt already stale, or it counts as a second failure and starts a duplicate attempt.
    if (req != null) {
      req.reset();
    }
  }

  private void fail(AttemptFailure failure) {
    if (failure.retryable() || failure.body() == null) { // an upstream refusing the client's request is not sick
      logFailure(failure.reason(), failure.status(), failure.logDetail());
      failure.deployment().noteError(failure.reason());
    } // else the upstream refused the client's request, which the client is shown in full
    endAttemptSpan(failure.reason());
    attemptSeq++; // whatever this attempt still reports is stale from here on
    endAttempt();
    Deployment d = failure.deployment();
    metrics.upstreamError(labels(), failure.reason());
    lastFailure = failure;
    if (!failure.retryable()) {
      if (failure.body() != null) {
        relayClientError(failure);
      } else {
        finishWithError(502, "upstream_error", failure.reason(), finalMessage(failure));
      }
      return;
    }
    d.recordFailure(settings.cooldownFailures(), settings.cooldownNanos(), System.nanoTime());
    boolean moreInGroup = attemptsInGroup < retries.maxAttemptsPerGroup();
    long delay = moreInGroup ? retries.delayMs(attemptsInGroup, failure.retryAfterMs()) : 0;
    if (delay == 0) {
      attempt();
    } else {
      vertx.setTimer(delay, t -> attempt());
    }
  }

  /** The upstream refused the request itself (400, 404, 422...): the client should see why. */
  private void relayClientError(AttemptFailure failure) {
    if (!UpstreamErrorText.isJsonObject(failure.body())) {
      // An HTML page or a cut body would reach the client labelled as JSON: say it in our own shape.
      finishWithError(failure.status(), "upstream_error", "upstream_rejected", finalMessage(failure));
      return;
    }
    response.setStatusCode(failure.status());
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    commonHeaders();
    response.end(failure.deployment().adapter().translateError(request, failure.status(), failure.body()));
    finish(failure.status(), Usage.NONE, "upstream_rejected");
  }

  private void failFinally() {
    AttemptFailure f = lastFailure;
    if (f == null) {
      finishWithError(503, "upstream_error", "no_deployment_available",
          "No deployment of model '" + request.model() + "' is available right now (all are cooling down"
              + " after failures); try again shortly.");
      return;
    }
    int status = f.status() == 429 ? 429 : f.timeout() ? 504 : 502;
    String code = f.status() == 429 ? "upstream_rate_limited"
        : f.invalidResponse() ? INVALID_RESPONSE_CODE : "upstream_failed";
    finishWithError(status, "upstream_error", code, finalMessage(f));
  }

  /** What the client is told: which deployment, how often, and the last failure in safe words. */
  private String finalMessage(AttemptFailure f) {
    return "Upstream request for model '" + request.model() + "' failed after " + attempts
        + (attempts == 1 ? " attempt" : " attempts") + "; last: deployment '" + f.deployment().name() + "' ("
        + f.deployment().provider() + ") " + f.detail() + requestIdNote();
  }

  private String requestIdNote() {
    return " (request id " + request.requestId() + ")";
  }

  /** The whole story of a failed attempt, for operators: what the client is not told. */
  private void logFailure(String reason, int status, String detail) {
    LOG.atWarn()
        .addKeyValue("request_id", request.requestId())
        .addKeyValue("model", request.model())
        .addKeyValue("deployment", current == null ? null : current.name())
        .addKeyValue("attempt", attempts)
        .addKeyValue("reason", reason)
        .addKeyValue("upstream_status", status)
        .addKeyValue("detail", detail)
        .log("upstream attempt failed");
  }

  private void finishWithError(int status, String type, String code, String message) {
    commonHeaders();
    errors.respond(response, status, type, code, message);
    finish(status, Usage.NONE, code);
  }

  private void clientClosed() {
    // An ended response is not a client going away: HTTP/2 closes the stream inside end(),
    // before finish() records the real status and usage.
    if (finished || response.ended()) {
      return;
    }
    HttpClientRequest req = upstreamRequest;
    endAttemptSpan("client_closed");
    endAttempt();
    // A stream the client abandoned still cost what streamed so far: account for it.
    finish(499, committed && translator != null ? translator.usage() : Usage.NONE, "client_closed");
    if (req != null) {
      // Cancels the upstream call: nobody is left to read its answer. After finish(), so that the
      // reset's own failure is not taken for a deployment failure and retried.
      req.reset();
    }
  }

  private void succeeded() {
    endAttemptSpan(null);
    endAttempt();
    current.recordSuccess(System.nanoTime() - attemptStartNanos);
  }

  private void endAttempt() {
    cancelFirstByteTimer();
    if (totalTimer != null) {
      totalTimer.cancel();
      totalTimer = null;
    }
    if (current != null && !released) {
      current.end();
      released = true;
    }
    upstreamRequest = null;
    upstreamResponse = null;
  }

  private void endAttemptSpan(String errorType) {
    if (attemptSpan != null) {
      attemptSpan.end(attemptStatus, errorType);
      attemptSpan = null;
    }
  }

  private void cancelFirstByteTimer() {
    if (firstByteTimer != null) {
      firstByteTimer.cancel();
      firstByteTimer = null;
    }
  }

  private void commonHeaders() {
    if (current != null) {
      response.putHeader("x-portcullis-deployment", current.name());
    }
    response.putHeader("x-portcullis-attempts", Integer.toString(attempts));
  }

  private void finish(int status, Usage usage, String outcome) {
    if (finished) {
      return;
    }
    finished = true;
    attemptSeq++;
    CallSummary summary = new CallSummary(request.requestId(), request.endpoint(), request.model(), current, status,
        attempts, System.nanoTime() - startNanos, firstByteNanos, usage, outcome, request.stream());
    observer.completed(summary);
    if (trace != null) {
      endAttemptSpan("ok".equals(outcome) ? null : outcome);
      trace.finished(summary);
    }
  }

  private GatewayMetrics.Labels labels() {
    return current == null ? new GatewayMetrics.Labels(request.model(), "none", "none")
        : current.labels();
  }

  private static boolean isTimeout(Throwable t) {
    return t instanceof TimeoutException || t instanceof java.util.concurrent.TimeoutException
        || t.getClass().getSimpleName().contains("Timeout");
  }

  /** For the log only: the exception's class and message (resolver errors name hosts). */
  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getName() : t.getClass().getName() + ": " + m;
  }

}
