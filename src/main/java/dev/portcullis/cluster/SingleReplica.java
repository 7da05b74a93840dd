package dev.portcullis.cluster;

import dev.portcullis.limits.SharedLimits;
import java.util.function.Consumer;

/** The cluster of one: there is no other replica to tell and no shared state to lose. */
final class SingleReplica implements Cluster {
  static final SingleReplica INSTANCE = new SingleReplica();

  private SingleReplica() {}

  @Override
  public boolean healthy() {
    return true;
  }

  @Override
  public boolean ready() {
    return true;
  }

  @Override
  public boolean admits(String surface) {
    return true;
  }

  @Override
  public void publish(ChangeEvent.Kind kind) {
  }

  @Override
  public void toSession(ChangeEvent.Kind kind, String sessionId, String message) {
  }

  @Override
  public void onEvent(Consumer<ChangeEvent> listener) {
  }

  @Override
  public SharedLimits limits() {
    return SharedLimits.NONE;
  }

  @Override
  public ReplicaRequests replicas() {
    return ReplicaRequests.NONE;
  }

  @Override
  public SessionStore sessions() {
    return SessionStore.LOCAL;
  }

  @Override
  public ExpiringValues values(String space) {
    return ExpiringValues.NONE;
  }

  @Override
  public void close() {
  }
}
