package dev.portcullis.cluster;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.function.Function;

/** {@link ExpiringValues} as Redis strings under one key prefix, with PX expiries. */
final class RedisValues implements ExpiringValues {
  private final Function<Request, Future<Response>> redis;
  private final String prefix;

  RedisValues(Function<Request, Future<Response>> redis, String prefix) {
    this.redis = redis;
    this.prefix = prefix;
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public Future<Void> put(String key, String value, long ttlMs) {
    return redis.apply(Request.cmd(Command.SET).arg(prefix + key).arg(value).arg("PX").arg(Math.max(1, ttlMs)))
        .mapEmpty();
  }

  @Override
  public Future<String> get(String key) {
    return redis.apply(Request.cmd(Command.GET).arg(prefix + key)).map(r -> r == null ? null : r.toString());
  }

  @Override
  public Future<Void> expire(String key, long ttlMs) {
    return redis.apply(Request.cmd(Command.PEXPIRE).arg(prefix + key).arg(Math.max(1, ttlMs))).mapEmpty();
  }

  @Override
  public Future<String> take(String key) {
    return redis.apply(Request.cmd(Command.GETDEL).arg(prefix + key)).map(r -> r == null ? null : r.toString());
  }

  @Override
  public Future<Void> delete(String key) {
    return redis.apply(Request.cmd(Command.DEL).arg(prefix + key)).mapEmpty();
  }
}
