package dev.portcullis.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole gateway configuration, as read from YAML (snake_case keys).
 * Defaults are applied here so that every other component sees complete values.
 */
public record GatewayConfig(
    ServerConfig server,
    ClientsConfig clients,
    RouterConfig router,
    Map<String, ModelGroupConfig> models) {

  public GatewayConfig {
    server = server == null ? new ServerConfig(null, 0, 0, 0, 0, null) : server;
    clients = clients == null ? new ClientsConfig(null) : clients;
    router = router == null ? new RouterConfig(0, 0, 0, 0, 0, 0) : router;
    models = models == null ? Map.of() : new LinkedHashMap<>(models);
  }

  /** Listener and input limits. */
  public record ServerConfig(
      String host, int port, long maxBodyBytes, int maxJsonDepth, long maxResponseBytes, Boolean accessLog) {
    public ServerConfig {
      host = host == null ? "127.0.0.1" : host;
      port = port == 0 ? 8080 : port;
      maxBodyBytes = maxBodyBytes == 0 ? 4L * 1024 * 1024 : maxBodyBytes;
      maxJsonDepth = maxJsonDepth == 0 ? 64 : maxJsonDepth;
      maxResponseBytes = maxResponseBytes == 0 ? 64L * 1024 * 1024 : maxResponseBytes;
      accessLog = accessLog == null ? Boolean.TRUE : accessLog;
    }
  }

  /** Credentials a client may present to the gateway. */
  public record ClientsConfig(List<String> keys) {
    public ClientsConfig {
      keys = keys == null ? List.of() : List.copyOf(keys);
    }
  }

  /** Retry, backoff and cooldown rules shared by every model group. */
  public record RouterConfig(
      int maxAttempts,
      long backoffInitialMs,
      long backoffMaxMs,
      long maxRetryAfterMs,
      int cooldownFailures,
      long cooldownSeconds) {
    public RouterConfig {
      maxAttempts = maxAttempts == 0 ? 3 : maxAttempts;
      backoffInitialMs = backoffInitialMs == 0 ? 200 : backoffInitialMs;
      backoffMaxMs = backoffMaxMs == 0 ? 5_000 : backoffMaxMs;
      maxRetryAfterMs = maxRetryAfterMs == 0 ? 30_000 : maxRetryAfterMs;
      cooldownFailures = cooldownFailures == 0 ? 3 : cooldownFailures;
      cooldownSeconds = cooldownSeconds == 0 ? 30 : cooldownSeconds;
    }
  }

  /** A model name clients ask for, served by a group of deployments. */
  public record ModelGroupConfig(String strategy, List<String> fallbacks, List<DeploymentConfig> deployments) {
    public ModelGroupConfig {
      strategy = strategy == null ? "weighted" : strategy;
      fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
      deployments = deployments == null ? List.of() : List.copyOf(deployments);
    }
  }

  /** One upstream endpoint that can serve a model group. */
  public record DeploymentConfig(
      String name,
      String type,
      String baseUrl,
      String apiKey,
      String model,
      Integer weight,
      String deployment,
      String apiVersion,
      Map<String, String> headers,
      Boolean streamUsage,
      TimeoutsConfig timeouts) {
    public DeploymentConfig {
      weight = weight == null ? 1 : weight;
      headers = headers == null ? Map.of() : Map.copyOf(headers);
      streamUsage = streamUsage == null ? Boolean.TRUE : streamUsage;
      timeouts = timeouts == null ? new TimeoutsConfig(0, 0, 0) : timeouts;
    }
  }

  /** Per-deployment timeouts: TCP connect, time to first response byte, whole exchange. */
  public record TimeoutsConfig(long connectMs, long firstByteMs, long totalMs) {
    public TimeoutsConfig {
      connectMs = connectMs == 0 ? 5_000 : connectMs;
      firstByteMs = firstByteMs == 0 ? 60_000 : firstByteMs;
      totalMs = totalMs == 0 ? 600_000 : totalMs;
    }
  }
}
