package dev.portcullis.cluster;

import dev.portcullis.config.ClusterConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Tells the running replicas that a process which is not one of them (the {@code portcullis keys}
 * and {@code teams} commands) changed the store: one PUBLISH of the same {@link ChangeEvent} a
 * replica sends, so they re-read at once instead of at their next refresh. Opens its own short
 * connection; a replica's cluster link (subscriptions, timers, limits) would be far more than one
 * message needs.
 */
public final class ChangeAnnouncer {
  private static final long TIMEOUT_MS = 5_000;

  private ChangeAnnouncer() {}

  /**
   * Publishes {@code kind} on the deployment's channel and waits for Redis to take it.
   *
   * @return how many replicas received it
   * @throws Exception when Redis cannot be reached or does not answer in time
   */
  public static long announce(ClusterConfig config, ChangeEvent.Kind kind) throws Exception {
    byte[] id = new byte[8];
    new SecureRandom().nextBytes(id);
    String origin = "cli-" + HexFormat.of().formatHex(id); // never a replica's own id: every replica applies it
    String message = new ChangeEvent(kind, origin, null, null).encode();
    Vertx vertx = Vertx.vertx();
    try {
      Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(config.redis().url())
          .setNetClientOptions(new NetClientOptions().setConnectTimeout((int) TIMEOUT_MS)));
      try {
        return redis.send(Request.cmd(Command.PUBLISH).arg(ChangeEvent.channel(config.redis().channel())).arg(message))
            .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).map(r -> r.toLong())
            .toCompletionStage().toCompletableFuture().get(TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS);
      } finally {
        redis.close();
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
  }
}
