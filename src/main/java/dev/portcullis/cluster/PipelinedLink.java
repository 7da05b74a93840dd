package dev.portcullis.cluster;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.TimeUnit;

/**
 * One Redis connection kept open and shared by every request that uses it, its commands
 * pipelined (sent without waiting for the previous answer). The limits' scripts go this way: a
 * pool would send one command per connection at a time, so a burst of calls would queue for a
 * connection (and the health PING behind them) instead of for Redis, which answers in
 * microseconds. A connection that fails or stops answering is dropped, and the next command
 * opens a new one.
 */
final class PipelinedLink {
  private final Redis redis;
  private final long timeoutMs;
  private Future<RedisConnection> link;
  private volatile long lastAnswerNanos = System.nanoTime();

  PipelinedLink(Redis redis, long timeoutMs) {
    this.redis = redis;
    this.timeoutMs = timeoutMs;
  }

  Future<Response> send(Request r) {
    Future<RedisConnection> l = link();
    return l.compose(c -> c.send(r)).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onSuccess(x -> lastAnswerNanos = System.nanoTime())
        .onFailure(e -> {
          // Redis answering with an error is no fault of the link; nor is one slow answer while others
          // arrive (dropping the link would fail every command in flight on it): only silence is
          boolean silent = System.nanoTime() - lastAnswerNanos > TimeUnit.MILLISECONDS.toNanos(timeoutMs);
          if (!(e instanceof Response) && silent) {
            drop(l);
          }
        });
  }

  /** Opens the connection now unless it is open (or opening): the first call then finds it ready. */
  Future<Void> open() {
    return link().mapEmpty();
  }

  private synchronized Future<RedisConnection> link() {
    if (link == null) {
      Future<RedisConnection> opening = redis.connect().timeout(timeoutMs, TimeUnit.MILLISECONDS);
      link = opening;
      opening.onSuccess(c -> {
        c.exceptionHandler(e -> drop(opening));
        c.endHandler(v -> drop(opening));
      }).onFailure(e -> drop(opening));
    }
    return link;
  }

  private void drop(Future<RedisConnection> which) {
    synchronized (this) {
      if (link != which) {
        return;
      }
      link = null;
    }
    if (which.succeeded()) {
      which.result().close();
    }
  }

  /** Whether Redis answered a command on this link in the last {@code ms} milliseconds. */
  boolean answeredWithin(long ms) {
    return System.nanoTime() - lastAnswerNanos <= TimeUnit.MILLISECONDS.toNanos(ms);
  }

  synchronized void close() {
    if (link != null && link.succeeded()) {
      link.result().close();
    }
    link = null;
  }
}
