package dev.portcullis.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus metrics for the gateway. Meters are looked up once per label set and cached, so
 * the request path records with no registry look-up and no tag allocation.
 */
public final class GatewayMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<Labels, Meters> meters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

  /** Who served a call: model group, deployment and provider type ("none" before routing). */
  public record Labels(String model, String deployment, String provider) {}

  private final class Meters {
    final Timer duration;
    final Timer firstToken;
    final DistributionSummary tokensIn;
    final DistributionSummary tokensOut;
    final Labels labels;
    /** Counters per status or reason, resolved once each so the request path only looks up. */
    /**
     * Indexed by HTTP status. Filled racily on purpose: registering the same meter twice returns
     * the one instance, so a lost write only costs a second look-up.
     */
    final Counter[] requestsByStatus = new Counter[600];
    final ConcurrentHashMap<String, Counter> upstreamErrors = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, Counter> retries = new ConcurrentHashMap<>();

    Meters(Labels l) {
      labels = l;
      duration = Timer.builder("portcullis_llm_request_duration")
          .description("Time from request received to response complete")
          .tags("model", l.model(), "deployment", l.deployment(), "provider", l.provider())
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
          .register(registry);
      firstToken = Timer.builder("portcullis_llm_time_to_first_token")
          .description("Time from request received to the first streamed byte sent to the client")
          .tags("model", l.model(), "deployment", l.deployment(), "provider", l.provider())
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
          .register(registry);
      tokensIn = tokens("input", l);
      tokensOut = tokens("output", l);
    }

    Counter counter(String name, String description, String extraKey, String extraValue) {
      return Counter.builder(name).description(description)
          .tags("model", labels.model(), "deployment", labels.deployment(), "provider", labels.provider(),
              extraKey, extraValue)
          .register(registry);
    }

    private DistributionSummary tokens(String direction, Labels l) {
      return DistributionSummary.builder("portcullis_llm_tokens")
          .description("Tokens per request, by direction")
          .tags("model", l.model(), "deployment", l.deployment(), "provider", l.provider(),
              "direction", direction)
          .register(registry);
    }
  }

  private Meters meters(Labels labels) {
    return meters.computeIfAbsent(labels, Meters::new);
  }

  /** One finished client request (whatever its outcome). */
  public void request(Labels labels, int status, long durationNanos, long promptTokens, long completionTokens) {
    Meters m = meters(labels);
    m.duration.record(durationNanos, TimeUnit.NANOSECONDS);
    if (promptTokens > 0) {
      m.tokensIn.record(promptTokens);
    }
    if (completionTokens > 0) {
      m.tokensOut.record(completionTokens);
    }
    int slot = status >= 0 && status < m.requestsByStatus.length ? status : 0;
    Counter c = m.requestsByStatus[slot];
    if (c == null) {
      c = m.counter("portcullis_llm_requests", "Finished client requests, by the status the client saw", "status",
          Integer.toString(status));
      m.requestsByStatus[slot] = c;
    }
    c.increment();
  }

  public void firstToken(Labels labels, long nanos) {
    meters(labels).firstToken.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** An attempt that failed upstream, with why (timeout_first_byte, http_500, connect, ...). */
  public void upstreamError(Labels labels, String reason) {
    Meters m = meters(labels);
    m.upstreamErrors.computeIfAbsent(reason, r -> m.counter("portcullis_llm_upstream_errors",
        "Upstream attempts that failed, by reason", "reason", r)).increment();
  }

  /** A further attempt after a failed one. */
  public void retry(Labels labels, String reason) {
    Meters m = meters(labels);
    m.retries.computeIfAbsent(reason, r -> m.counter("portcullis_llm_retries",
        "Further attempts sent after a failed one, by the failure's reason", "reason", r)).increment();
  }

  /** Audit events an export sink dropped: queue_full (it fell behind) or failed (delivery failed). */
  public void auditSinkDropped(String sink, String reason, int events) {
    String key = "portcullis_audit_sink_dropped" + '\u0000' + sink + '\u0000' + reason;
    Counter c = counters.get(key);
    if (c == null) {
      c = counters.computeIfAbsent(key, k -> Counter.builder("portcullis_audit_sink_dropped")
          .description("Audit events an export sink dropped")
          .tags("sink", sink, "reason", reason)
          .register(registry));
    }
    c.increment(events);
  }

  /**
   * A client connection closed as soon as it was accepted, with why: {@code per_address} (its
   * address had server.max_connections_per_address open) or {@code max_connections}.
   */
  public void connectionRefused(String reason) {
    counter("portcullis_connections_refused", "Client connections closed on accept because of a cap, by cap",
        "reason", reason).increment();
  }

  /**
   * A client connection closed because the client was too slow: {@code header} (first request head
   * not complete in time), {@code body} (request body not complete in time) or {@code idle} (no
   * next request on a kept-alive connection).
   */
  public void connectionTimedOut(String phase) {
    counter("portcullis_connections_timed_out", "Client connections closed for waiting on the client, by phase",
        "phase", phase).increment();
  }

  /**
   * One configuration reload, by result: {@code applied} (the new configuration is in force) or
   * {@code rejected} (invalid; the configuration in force was kept).
   */
  public void configReload(String result) {
    counter("portcullis_config_reloads", "Configuration reloads, by result", "result", result).increment();
  }

  /** Reports the number of open client connections, read at each scrape. */
  public void openConnections(java.util.function.IntSupplier open) {
    io.micrometer.core.instrument.Gauge.builder("portcullis_connections_open", open::getAsInt)
        .description("Client connections open now").register(registry);
  }

  private Counter counter(String name, String description, String tag, String value) {
    String key = name + '\u0000' + value;
    Counter c = counters.get(key);
    return c != null ? c : counters.computeIfAbsent(key, k -> Counter.builder(name).description(description)
        .tags(tag, value).register(registry));
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }
}
