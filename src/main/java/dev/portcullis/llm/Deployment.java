package dev.portcullis.llm;

import dev.portcullis.config.GatewayConfig.DeploymentConfig;
import dev.portcullis.telemetry.GatewayMetrics;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One upstream endpoint of a model group at run time: its configuration, the base URL it is
 * reached at, its adapter, and the live state the router balances and cools down on.
 * Shared by every event loop, so the live state is atomic.
 */
public final class Deployment {
  private final String group;
  private final String name;
  private final DeploymentConfig config;
  private final String baseUrl;
  private final ProviderAdapter adapter;
  private final GatewayMetrics.Labels labels;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicLong coolingUntilNanos = new AtomicLong(System.nanoTime());

  public Deployment(String group, String name, DeploymentConfig config, String baseUrl, ProviderAdapter adapter) {
    this.group = group;
    this.name = name;
    this.config = config;
    this.baseUrl = baseUrl;
    this.adapter = adapter;
    this.labels = new GatewayMetrics.Labels(group, name, config.type());
  }

  /** Metric labels of this deployment, built once. */
  public GatewayMetrics.Labels labels() {
    return labels;
  }

  public String group() {
    return group;
  }

  public String name() {
    return name;
  }

  /** The provider type from config: openai, azure, openai_compatible, demo. */
  public String provider() {
    return config.type();
  }

  public DeploymentConfig config() {
    return config;
  }

  /** The provider's base URL without a trailing slash (for OpenAI-style providers, up to /v1). */
  public String baseUrl() {
    return baseUrl;
  }

  public ProviderAdapter adapter() {
    return adapter;
  }

  /** The model name sent upstream: configured, or else the group name the client asked for. */
  public String upstreamModel() {
    return config.model() != null ? config.model() : group;
  }

  public int inFlight() {
    return inFlight.get();
  }

  void begin() {
    inFlight.incrementAndGet();
  }

  void end() {
    inFlight.decrementAndGet();
  }

  boolean coolingDown(long nowNanos) {
    return nowNanos - coolingUntilNanos.get() < 0;
  }

  void recordSuccess() {
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
  }

  /** Counts a failure; after {@code threshold} in a row the deployment rests for {@code cooldownNanos}. */
  boolean recordFailure(int threshold, long cooldownNanos, long nowNanos) {
    if (consecutiveFailures.incrementAndGet() >= threshold) {
      consecutiveFailures.set(0);
      coolingUntilNanos.set(nowNanos + cooldownNanos);
      return true;
    }
    return false;
  }
}
