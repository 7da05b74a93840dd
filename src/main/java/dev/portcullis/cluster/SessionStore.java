package dev.portcullis.cluster;

import io.vertx.core.Future;

/** Where MCP session records are shared between replicas. */
public interface SessionStore {
  /** Nothing shared: one replica keeps its sessions in memory alone. */
  SessionStore LOCAL = new SessionStore() {
    @Override
    public boolean shared() {
      return false;
    }

    @Override
    public Future<Void> save(SessionRecord r) {
      return Future.succeededFuture();
    }

    @Override
    public Future<SessionRecord> load(String id) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> delete(String id) {
      return Future.succeededFuture();
    }
  };

  /** Whether other replicas see these records (false: the registry need not ask). */
  boolean shared();

  /** Writes the record, (re)starting its idle expiry. */
  Future<Void> save(SessionRecord r);

  /** The record, its idle expiry restarted; null when there is none (expired, deleted, never). */
  Future<SessionRecord> load(String id);

  Future<Void> delete(String id);
}
