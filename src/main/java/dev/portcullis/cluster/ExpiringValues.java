package dev.portcullis.cluster;

import io.vertx.core.Future;

/**
 * Short-lived string values every replica sees, each with its own expiry (the console's sessions).
 * One replica alone has {@link #NONE}, which shares nothing: its user keeps such state in memory.
 */
public interface ExpiringValues {
  /** Nothing shared; every call fails, since nobody should call it when {@link #shared()} is false. */
  ExpiringValues NONE = new ExpiringValues() {
    @Override
    public boolean shared() {
      return false;
    }

    @Override
    public Future<Void> put(String key, String value, long ttlMs) {
      return Future.failedFuture(new IllegalStateException("no shared state: one replica"));
    }

    @Override
    public Future<String> get(String key) {
      return Future.failedFuture(new IllegalStateException("no shared state: one replica"));
    }

    @Override
    public Future<Void> expire(String key, long ttlMs) {
      return Future.failedFuture(new IllegalStateException("no shared state: one replica"));
    }

    @Override
    public Future<Void> delete(String key) {
      return Future.failedFuture(new IllegalStateException("no shared state: one replica"));
    }

    @Override
    public Future<String> take(String key) {
      return Future.failedFuture(new IllegalStateException("no shared state: one replica"));
    }
  };

  /** Whether other replicas see these values. */
  boolean shared();

  /** Writes the value; it disappears after {@code ttlMs}. */
  Future<Void> put(String key, String value, long ttlMs);

  /** The value, or null when there is none (expired, deleted, never written). */
  Future<String> get(String key);

  /** Restarts the value's expiry at {@code ttlMs} from now (nothing when it is gone). */
  Future<Void> expire(String key, long ttlMs);

  Future<Void> delete(String key);

  /** The value, deleted in the same step (null when there is none): of two replicas taking it, one gets it. */
  Future<String> take(String key);
}
