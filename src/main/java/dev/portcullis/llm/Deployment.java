package dev.portcullis.llm;

import dev.portcullis.config.DeploymentConfig;
import dev.portcullis.telemetry.GatewayMetrics;
import java.net.MalformedURLException;
import java.net.URL;
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
  private final LatencyWindow latency = new LatencyWindow();
  private volatile LastError lastError;
  private volatile boolean lastAttemptFailed;
  private volatile ParsedUrl lastUrl;

  /** The last failed attempt: when (epoch ms) and why (a reason code: connect, http_503, ...). */
  public record LastError(long timeMillis, String code) {}

  private record ParsedUrl(String text, URL url) {}

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

  /**
   * An upstream request's absolute URI as a URL, parsed once while it repeats: every call of most
   * providers goes to the same one, and parsing it was a per-request cost on the event loop.
   *
   * @throws IllegalArgumentException when it is not a URL
   */
  public URL url(String absoluteUri) {
    ParsedUrl last = lastUrl;
    if (last != null && last.text().equals(absoluteUri)) {
      return last.url();
    }
    try {
      URL url = new URL(absoluteUri);
      lastUrl = new ParsedUrl(absoluteUri, url);
      return url;
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("not a URL: " + absoluteUri, e);
    }
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

  void recordSuccess(long latencyNanos) {
    latency.record(latencyNanos);
    lastAttemptFailed = false;
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
  }

  /** Remembers why the last attempt failed (for /admin/status and readiness). */
  void noteError(String code) {
    lastError = new LastError(System.currentTimeMillis(), code);
    lastAttemptFailed = true;
  }

  /**
   * Healthy as far as the gateway knows: not cooling down, and its last attempt did not fail (a
   * deployment never called counts as healthy: health is learnt from traffic).
   */
  public boolean healthy(long nowNanos) {
    return !coolingDown(nowNanos) && !lastAttemptFailed;
  }

  /** When the cooldown ends (epoch ms), or 0 when the deployment is not cooling down. */
  public long coolingDownUntilMillis(long nowNanos) {
    long left = coolingUntilNanos.get() - nowNanos;
    return left > 0 ? System.currentTimeMillis() + left / 1_000_000 : 0;
  }

  public int consecutiveFailures() {
    return consecutiveFailures.get();
  }

  /** The last failed attempt, or null. */
  public LastError lastError() {
    return lastError;
  }

  /** Latencies of recent successful attempts (request sent to response complete). */
  public LatencyWindow latency() {
    return latency;
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
