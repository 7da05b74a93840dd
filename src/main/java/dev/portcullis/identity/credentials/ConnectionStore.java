package dev.portcullis.identity.credentials;

import java.util.List;

/**
 * Where the users' upstream connections are kept: one encrypted record per (upstream, user). In
 * the database store ({@code upstream_connections}) when one is configured, so that replicas
 * share them and restarts keep them; otherwise in memory. Blocking.
 */
public interface ConnectionStore {
  /** A stored connection; {@code sealed} is the encrypted record. */
  record Row(String upstream, String userId, String sealed, long updatedAt) {}

  Row get(String upstream, String userId);

  void put(String upstream, String userId, String sealed, long now);

  /** Whether there was a connection to delete. */
  boolean delete(String upstream, String userId);

  List<Row> list(String userId);
}
