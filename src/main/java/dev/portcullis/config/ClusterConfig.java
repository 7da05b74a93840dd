package dev.portcullis.config;

/**
 * The {@code cluster} section: several replicas behind one load balancer sharing MCP session
 * records and change events through Redis. Absent, the gateway is one process with in-process
 * state (the default).
 *
 * @param redis where the shared state lives; null when the section is absent
 * @param fail what a replica does while Redis is unreachable: {@code closed} (refuse governed
 *     requests with 503, not ready) or {@code open} (serve on local state, with a warning)
 */
public record ClusterConfig(RedisConfig redis, String fail) {
  public static final String FAIL_CLOSED = "closed";
  public static final String FAIL_OPEN = "open";

  public ClusterConfig {
    fail = fail == null ? FAIL_CLOSED : fail;
  }

  /** No cluster: one replica. */
  public static ClusterConfig none() {
    return new ClusterConfig(null, null);
  }

  public boolean enabled() {
    return redis != null;
  }

  public boolean failOpen() {
    return FAIL_OPEN.equals(fail);
  }

  /**
   * The Redis server.
   *
   * @param url {@code redis://[:password@]host:port[/db]} or {@code rediss://} for TLS
   * @param channel the pub/sub channel and key prefix, so that several gateways can share one Redis
   * @param reconnectMs the pause between attempts to reach Redis again after losing it
   */
  public record RedisConfig(String url, String channel, Long reconnectMs) {
    public RedisConfig {
      channel = channel == null ? "portcullis" : channel;
      reconnectMs = reconnectMs == null ? 500L : reconnectMs;
    }
  }
}
