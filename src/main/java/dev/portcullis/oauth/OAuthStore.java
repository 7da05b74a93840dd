package dev.portcullis.oauth;

/**
 * Where the authorization server keeps its state: registered clients, login transactions,
 * consent transactions, authorization codes, refresh tokens, revocations and its signing key.
 * Items are opaque text under (kind, id), with an expiry; single-use items are consumed
 * atomically. In memory by default, in the JDBC store (SQLite, PostgreSQL) when one is
 * configured, so that several replicas share it. Blocking: call it off the event loop.
 */
public interface OAuthStore {
  /** A stored item; {@code consumed} tells whether it had already been consumed before. */
  record Item(String data, boolean consumed, long expiresAt) {}

  /** Stores (or replaces) an item. */
  void put(String kind, String id, String data, long expiresAt);

  /** Stores the item unless one exists; returns the data stored under that id afterwards. */
  String putIfAbsent(String kind, String id, String data, long expiresAt);

  /** The item, or null when absent or expired. */
  Item get(String kind, String id);

  /**
   * Marks the item consumed, atomically. Returns null when absent or expired; otherwise the item,
   * whose {@code consumed} is true when someone consumed it before (a replay).
   */
  Item consume(String kind, String id);

  void delete(String kind, String id);

  /** Removes expired items. */
  void purge(long now);
}
