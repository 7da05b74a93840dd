package dev.portcullis.config;

import java.util.List;

/** The cluster section: a Redis URL the client can use, a known failure mode. */
final class ClusterConfigValidator {
  private ClusterConfigValidator() {}

  static void validate(GatewayConfig c, List<String> problems) {
    ClusterConfig cluster = c.cluster();
    if (!ClusterConfig.FAIL_CLOSED.equals(cluster.fail()) && !ClusterConfig.FAIL_OPEN.equals(cluster.fail())) {
      problems.add("cluster.fail: must be 'closed' or 'open', got '" + cluster.fail() + "'");
    }
    ClusterConfig.RedisConfig redis = cluster.redis();
    if (redis == null) {
      return;
    }
    String url = redis.url();
    if (url == null || !url.matches("rediss?://[^/?#]+.*")) {
      problems.add("cluster.redis.url: must be redis://HOST:PORT or rediss://HOST:PORT, got "
          + (url == null ? "nothing" : "'" + url.replaceAll("//[^@/]*@", "//***@") + "'"));
    }
    if (redis.channel().isBlank() || !redis.channel().matches("[A-Za-z0-9_.:-]+")) {
      problems.add("cluster.redis.channel: letters, digits, '_', '.', ':' or '-' only");
    }
    if (redis.reconnectMs() <= 0) {
      problems.add("cluster.redis.reconnect_ms: must be positive");
    }
  }
}
