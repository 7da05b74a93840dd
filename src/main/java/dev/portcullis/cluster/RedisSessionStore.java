package dev.portcullis.cluster;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.function.Function;

/**
 * MCP session records as Redis strings ({@code PREFIX + id}) with an idle expiry that every use
 * restarts (GETEX), so an abandoned session disappears from Redis as it does from memory.
 */
final class RedisSessionStore implements SessionStore {
  private final Function<Request, Future<Response>> redis;
  private final String prefix;
  private final long ttlMs;

  RedisSessionStore(Function<Request, Future<Response>> redis, String prefix, long ttlMs) {
    this.redis = redis;
    this.prefix = prefix;
    this.ttlMs = ttlMs;
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public Future<Void> save(SessionRecord r) {
    return redis.apply(Request.cmd(Command.SET).arg(prefix + r.id()).arg(r.encode()).arg("PX").arg(ttlMs)).mapEmpty();
  }

  @Override
  public Future<SessionRecord> load(String id) {
    return redis.apply(Request.cmd(Command.GETEX).arg(prefix + id).arg("PX").arg(ttlMs))
        .map(r -> r == null ? null : SessionRecord.decode(r.toString()));
  }

  @Override
  public Future<Void> delete(String id) {
    return redis.apply(Request.cmd(Command.DEL).arg(prefix + id)).mapEmpty();
  }
}
