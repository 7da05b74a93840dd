package dev.portcullis.cluster;

import dev.portcullis.limits.SharedLimits;
import java.util.function.Consumer;

/**
 * What replicas of one gateway share besides the store: change events (so a key disabled on one
 * replica is refused by all within a second) and MCP session records (so a legacy session needs
 * no sticky load balancing). One replica alone uses {@link #single()}, which shares nothing.
 */
public interface Cluster extends AutoCloseable {
  /** Whether the shared state is reachable now (always, for one replica). */
  boolean healthy();

  /** Whether the replica is ready to serve: healthy, or unhealthy with {@code fail: open}. */
  boolean ready();

  /**
   * Whether a governed request (an LLM or MCP call) may be served now. While the shared state is
   * unreachable: false with {@code fail: closed}; with {@code fail: open}, true, and the request
   * is counted and warned about as served on local state only.
   *
   * @param surface openai, anthropic or mcp (the metric's label)
   */
  boolean admits(String surface);

  /** Tells every other replica that something changed in the store, so they re-read it. */
  void publish(ChangeEvent.Kind kind);

  /**
   * Tells every other replica about one MCP session: it ended ({@link ChangeEvent.Kind#SESSION_CLOSED}),
   * or a message for the replica holding its open stream ({@link ChangeEvent.Kind#SESSION_MESSAGE}).
   */
  void toSession(ChangeEvent.Kind kind, String sessionId, String message);

  /**
   * Called, on an event loop, with every change another replica published, every relayed
   * session message, and a {@link ChangeEvent.Kind#RESYNC} after the shared state was unreachable
   * (events may have been missed: re-read everything).
   */
  void onEvent(Consumer<ChangeEvent> listener);

  /** The limit counters the replicas share ({@link SharedLimits#NONE} for one replica). */
  SharedLimits limits();

  /** Requests to a named replica, for what only that replica holds ({@link ReplicaRequests#NONE} for one replica). */
  ReplicaRequests replicas();

  /** The MCP session records. */
  SessionStore sessions();

  /** Expiring values in their own name space (the console's sessions); {@link ExpiringValues#NONE} for one replica. */
  ExpiringValues values(String space);

  @Override
  void close();

  /** One replica: nothing shared, nothing published, always healthy. */
  static Cluster single() {
    return SingleReplica.INSTANCE;
  }
}
