package dev.portcullis.cluster;

import dev.portcullis.mcp.NodeSupport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway redis-server (no persistence) and a client to it, for the tests of the shared
 * limits' scripts: what they need to read the counters the scripts leave, by the name a replica
 * gives them (the prefix added here as {@link RedisLimits} adds it).
 */
final class LimitCountersRedis implements AutoCloseable {
  final String prefix;
  final Vertx vertx;
  final Redis redis;
  private final ExternalProcess server;

  private LimitCountersRedis(String prefix, ExternalProcess server, Vertx vertx, Redis redis) {
    this.prefix = prefix;
    this.server = server;
    this.vertx = vertx;
    this.redis = redis;
  }

  static LimitCountersRedis start(String prefix) throws Exception {
    String bin = ExternalProcess.require("redis-server", "redis-server");
    int port = NodeSupport.freePort();
    ExternalProcess server = ExternalProcess.start("redis-server", new ProcessBuilder(bin, "--port",
        String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")).awaitPort(port);
    Vertx vertx = Vertx.vertx();
    // room for the calls in flight of several busy replicas sharing this one client
    Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port)
        .setMaxPoolWaiting(256));
    return new LimitCountersRedis(prefix, server, vertx, redis);
  }

  Response send(Request r) throws Exception {
    return get(redis.send(r));
  }

  static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  void flushAll() throws Exception {
    send(Request.cmd(Command.FLUSHALL));
  }

  long slotsHeld(String key) throws Exception {
    return send(Request.cmd(Command.ZCARD).arg(prefix + key)).toLong();
  }

  long windowSum(String key) throws Exception {
    long sum = 0;
    for (Response v : send(Request.cmd(Command.HVALS).arg(prefix + key))) {
      sum += v.toLong();
    }
    return sum;
  }

  /** A budget counter's value, or null when absent. */
  Long budget(String key) throws Exception {
    Response r = send(Request.cmd(Command.GET).arg(prefix + key));
    return r == null ? null : r.toLong();
  }

  @Override
  public void close() throws Exception {
    redis.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    server.close();
  }
}
