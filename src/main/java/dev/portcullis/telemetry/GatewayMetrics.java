package dev.portcullis.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Prometheus metrics for the gateway. Meters are looked up once per label set and cached, so
 * the request path records with no registry look-up and no tag allocation.
 */
public final class GatewayMetrics {
  /**
   * The histogram buckets of every latency metric (seconds), documented in docs/telemetry.md:
   * from a fast cache hit to a long generation, few enough to keep series counts low.
   */
  static final Duration[] LATENCY_BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300)};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<Labels, Meters> meters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
  private final MultiGauge budgetRemaining = MultiGauge.builder("portcullis_budget_remaining_usd")
      .description("Budget left in the current period, in USD, by scope (key, team, persona) and id")
      .register(registry);
  private volatile Supplier<List<Budget>> budgets;

  /** One budget's remaining amount, as {@code portcullis_budget_remaining_usd} reports it. */
  public record Budget(String scope, String id, double remainingUsd) {}

  /** Who served a call: model group, deployment and provider type ("none" before routing). */
  public record Labels(String model, String deployment, String provider) {}

  private final class Meters {
    final Timer duration;
    final Timer firstToken;
    final Counter tokensIn;
    final Counter tokensOut;
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
          .serviceLevelObjectives(LATENCY_BUCKETS)
          .register(registry);
      firstToken = Timer.builder("portcullis_llm_time_to_first_token")
          .description("Time from request received to the first streamed byte sent to the client")
          .tags("model", l.model(), "deployment", l.deployment(), "provider", l.provider())
          .serviceLevelObjectives(LATENCY_BUCKETS)
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

    private Counter tokens(String direction, Labels l) {
      return Counter.builder("portcullis_llm_tokens")
          .description("Tokens used, by direction (input: prompt, output: completion)")
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
      m.tokensIn.increment(promptTokens);
    }
    if (completionTokens > 0) {
      m.tokensOut.increment(completionTokens);
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

  /**
   * A request the gateway refused, by surface (openai, anthropic, mcp, admin, other) and reason
   * (the error code: invalid_api_key, model_not_found, rate_limit_exceeded, policy_denied,
   * guard_blocked, ...).
   */
  public void refusal(String surface, String reason) {
    String key = "portcullis_refusals" + '\u0000' + surface + '\u0000' + reason;
    Counter c = counters.get(key);
    if (c == null) {
      c = counters.computeIfAbsent(key, k -> Counter.builder("portcullis_refusals")
          .description("Requests the gateway refused, by surface and reason")
          .tags("surface", surface, "reason", reason).register(registry));
    }
    c.increment();
  }

  /**
   * One MCP tool call sent to an upstream: {@code outcome} ok, tool_error (the tool answered
   * isError) or the JSON-RPC error's reason (upstream_unavailable, upstream_timeout, ...).
   */
  public void mcpCall(String server, String tool, String outcome, long durationNanos) {
    String key = "portcullis_mcp_calls" + '\u0000' + server + '\u0000' + tool + '\u0000' + outcome;
    Counter c = counters.get(key);
    if (c == null) {
      c = counters.computeIfAbsent(key, k -> Counter.builder("portcullis_mcp_calls")
          .description("MCP tool calls sent to upstreams, by server, tool and outcome")
          .tags("server", server, "tool", tool, "outcome", outcome).register(registry));
    }
    c.increment();
    Timer t = timers.get(server);
    if (t == null) {
      t = timers.computeIfAbsent(server, s -> Timer.builder("portcullis_mcp_call_duration")
          .description("Time an MCP upstream took to answer a tool call")
          .tags("server", s).serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
    }
    t.record(durationNanos, TimeUnit.NANOSECONDS);
  }

  /** Reports whether an MCP upstream's session is up (1) or not (0), read at each scrape. */
  public void mcpUpstream(String server, BooleanSupplier up) {
    Gauge.builder("portcullis_mcp_upstream_up", () -> up.getAsBoolean() ? 1 : 0)
        .description("Whether the MCP upstream's session is connected (1) or not (0)")
        .tags("server", server).register(registry);
  }

  /** Reports whether this replica reaches the cluster's Redis (1) or not (0), read at each scrape. */
  public void clusterUp(BooleanSupplier up) {
    Gauge.builder("portcullis_cluster_redis_up", () -> up.getAsBoolean() ? 1 : 0)
        .description("Whether this replica reaches the cluster's Redis: pub/sub subscribed and PING answered")
        .register(registry);
  }

  /** A governed request served while Redis was unreachable ({@code cluster.fail: open}), by surface. */
  public void clusterDegraded(String surface) {
    counter("portcullis_cluster_degraded_requests", "Governed requests served on local state only while Redis"
        + " was unreachable (cluster.fail: open)", "surface", surface).increment();
  }

  /** A change event sent to or received from the other replicas ({@code direction}), by kind. */
  public void clusterEvent(String direction, String kind) {
    String key = "portcullis_cluster_events" + '\u0000' + direction + '\u0000' + kind;
    Counter c = counters.get(key);
    if (c == null) {
      c = counters.computeIfAbsent(key, k -> Counter.builder("portcullis_cluster_events")
          .description("Change events between replicas, by direction (published, received) and kind")
          .tags("direction", direction, "kind", kind).register(registry));
    }
    c.increment();
  }

  /** Reports the number of open downstream MCP sessions, read at each scrape. */
  public void mcpSessions(java.util.function.IntSupplier open) {
    Gauge.builder("portcullis_mcp_sessions", open::getAsInt)
        .description("Open MCP client sessions (session-based protocol revisions)").register(registry);
  }

  /** Money spent on one LLM call, in USD (key: the principal's id, never its secret). */
  public void spent(String key, String team, String model, double usd) {
    String k = "portcullis_spend_usd" + '\u0000' + key + '\u0000' + team + '\u0000' + model;
    Counter c = counters.get(k);
    if (c == null) {
      c = counters.computeIfAbsent(k, x -> Counter.builder("portcullis_spend_usd")
          .description("Money spent on LLM calls in USD, by key, team and model")
          .tags("key", key, "team", team, "model", model).register(registry));
    }
    c.increment(usd);
  }

  /** Where the budgets' remaining amounts come from; read at each scrape. */
  public void budgets(Supplier<List<Budget>> source) {
    this.budgets = source;
  }

  private Counter counter(String name, String description, String tag, String value) {
    String key = name + '\u0000' + value;
    Counter c = counters.get(key);
    return c != null ? c : counters.computeIfAbsent(key, k -> Counter.builder(name).description(description)
        .tags(tag, value).register(registry));
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    Supplier<List<Budget>> b = budgets;
    if (b != null) {
      budgetRemaining.register(b.get().stream().map(x -> MultiGauge.Row.of(Tags.of("scope", x.scope(), "id", x.id()),
          x.remainingUsd())).toList(), true);
    }
    return registry.scrape();
  }
}
