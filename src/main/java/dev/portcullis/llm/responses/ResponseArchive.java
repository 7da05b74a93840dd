package dev.portcullis.llm.responses;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The responses kept for {@code previous_response_id} and {@code GET /v1/responses/{id}}, off the
 * event loop: one per gateway, shared by every event loop. A read waits for a save of the same id
 * still under way in this process, so a client that continues a response the moment it arrived
 * finds it. Without a store nothing is kept ({@link #enabled} is false) and every read finds nothing.
 */
public final class ResponseArchive {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseArchive.class);
  private static final long PURGE_EVERY_MS = 60_000;

  private final Vertx vertx;
  private final ResponseStore store;
  private final long retentionMs;
  private final Map<String, Future<Void>> saving = new ConcurrentHashMap<>();
  private final AtomicLong lastPurge = new AtomicLong();

  /**
   * @param store where responses are kept, or null for nowhere
   * @param retentionMs how long a response is kept
   */
  public ResponseArchive(Vertx vertx, ResponseStore store, long retentionMs) {
    this.vertx = vertx;
    this.store = store;
    this.retentionMs = retentionMs;
  }

  public boolean enabled() {
    return store != null;
  }

  /** When a response created now expires (epoch ms). */
  public long expiresAt(long nowMs) {
    return nowMs + retentionMs;
  }

  /** Keeps the response; a failure is logged (the client already has its answer). */
  public void save(StoredResponse response) {
    if (store == null) {
      return;
    }
    Future<Void> f = vertx.executeBlocking(() -> {
      store.save(response);
      long now = System.currentTimeMillis();
      long last = lastPurge.get();
      if (now - last >= PURGE_EVERY_MS && lastPurge.compareAndSet(last, now)) {
        store.purgeExpired(now);
      }
      return null;
    }, false);
    saving.put(response.id(), f);
    f.onComplete(ar -> {
      saving.remove(response.id(), f);
      if (ar.failed()) {
        LOG.atWarn().setCause(ar.cause()).addKeyValue("response_id", response.id()).log("could not keep a response");
      }
    });
  }

  /** The owner's unexpired response of that id, or null. */
  public Future<StoredResponse> find(String id, String owner) {
    if (store == null) {
      return Future.succeededFuture(null);
    }
    Future<Void> pending = saving.get(id);
    Future<Void> after = pending == null ? Future.succeededFuture() : pending.otherwiseEmpty();
    return after.compose(v -> vertx.executeBlocking(() -> store.find(id, owner, System.currentTimeMillis()), false));
  }

  /** Deletes the owner's response; false when there was none. */
  public Future<Boolean> delete(String id, String owner) {
    if (store == null) {
      return Future.succeededFuture(false);
    }
    Future<Void> pending = saving.get(id);
    Future<Void> after = pending == null ? Future.succeededFuture() : pending.otherwiseEmpty();
    return after.compose(v -> vertx.executeBlocking(() -> store.delete(id, owner), false));
  }
}
