package dev.portcullis.llm;

import dev.portcullis.config.GatewayConfig;
import dev.portcullis.telemetry.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * Sends parsed LLM requests to the model groups that serve them. One per event loop, because
 * its HTTP client's connections belong to that loop; the catalogue and its live state are shared.
 */
public final class LlmProxy {
  private final Vertx vertx;
  private final HttpClient http;
  private final ModelCatalog catalog;
  private final RetryPolicy retries;
  private final RouterSettings settings;
  private final GatewayMetrics metrics;
  private final CallObserver observer;

  public LlmProxy(Vertx vertx, HttpClient http, ModelCatalog catalog, GatewayConfig config,
      GatewayMetrics metrics, CallObserver observer) {
    this.vertx = vertx;
    this.http = http;
    this.catalog = catalog;
    this.retries = new RetryPolicy(config.router());
    this.settings = RouterSettings.of(config);
    this.metrics = metrics;
    this.observer = observer;
  }

  public ModelCatalog catalog() {
    return catalog;
  }

  /** Routes the request; the caller has checked that the model exists. */
  public void forward(LlmRequest request, HttpServerResponse response, ErrorResponder errors, long startNanos) {
    forward(request, response, errors, startNanos, null);
  }

  /** Routes the request; {@code filter} (or null) rewrites what goes back to the client. */
  public void forward(LlmRequest request, HttpServerResponse response, ErrorResponder errors, long startNanos,
      ResponseFilter filter) {
    forward(request, response, errors, startNanos, filter, null);
  }

  /** Routes the request, reporting to its {@code trace} (null when tracing is off). */
  public void forward(LlmRequest request, HttpServerResponse response, ErrorResponder errors, long startNanos,
      ResponseFilter filter, CallTrace trace) {
    forward(request, response, errors, startNanos, filter, trace, null);
  }

  /** As above, telling {@code thisCall} (or null) too how the call ended, after the shared observer. */
  public void forward(LlmRequest request, HttpServerResponse response, ErrorResponder errors, long startNanos,
      ResponseFilter filter, CallTrace trace, CallObserver thisCall) {
    List<ModelGroup> chain = catalog.chain(request.model());
    CallObserver told = thisCall == null ? observer : s -> {
      observer.completed(s);
      thisCall.completed(s);
    };
    new ProxyExchange(vertx, http, retries, settings, metrics, told, errors, request, response, chain,
        startNanos).filter(filter).trace(trace).start();
  }
}
