package dev.portcullis.policy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests a policy rule sent for approval ({@code require_approval}) and an administrator decides
 * on. An approval is bound to the principal, the action, the item and a hash of the arguments that
 * asked for it, and is used at most once: the caller retries the very same request after approval.
 * Pending approvals expire after {@code pendingTtlMs}, approved ones unused after {@code approvedTtlMs}.
 *
 * <p>In memory (one process) unless built with a store: then every approval
 * lives in the store's {@code approvals} table, survives a restart and is shared by every replica
 * on the same database (an approval is consumed by a conditional delete, so it is used once even
 * when two replicas race). The synchronous methods then block: on an event loop use the
 * {@code *Async} ones, which run the store's work on a worker thread. Knows nothing about HTTP.
 */
public final class Approvals {
  private static final int MAX = 10_000;

  public enum Status { PENDING, APPROVED, DENIED }

  /**
   * One approval request.
   *
   * @param target what the request names: the exposed tool or prompt name, or the resource URI
   * @param argumentsHash SHA-256 of the canonical JSON of the arguments
   * @param summary the guarded arguments summary, for the reviewer
   */
  public record Approval(String id, String principal, String persona, String action, String server, String target,
      String argumentsHash, String summary, String rule, String reason, Status status, long createdAt,
      long decidedAt) {
    Approval decided(Status s, long now) {
      return new Approval(id, principal, persona, action, server, target, argumentsHash, summary, rule, reason, s,
          createdAt, now);
    }

    boolean binds(String principalId, String act, String tgt, String hash) {
      return principal.equals(principalId) && action.equals(act) && target.equals(tgt)
          && argumentsHash.equals(hash);
    }
  }

  /** Where approvals are kept when not in memory (the store). Blocking. */
  public interface Store {
    /** The approvals bound to this principal, action, target and arguments. */
    List<Approval> bound(String principal, String action, String target, String argumentsHash);

    void insert(Approval a);

    /** Removes the approval if it still has this status; whether it did (at most one caller wins). */
    boolean remove(String id, Status status);

    /** Decides a pending approval; whether it was pending (and is now decided). */
    boolean decide(String id, Status to, long decidedAt);

    Approval get(String id);

    List<Approval> list();

    /** Removes pending approvals created before {@code pendingBefore}, decided ones decided before {@code decidedBefore}. */
    void sweep(long pendingBefore, long decidedBefore);
  }

  private final Map<String, Approval> byId = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final long pendingTtlMs;
  private final long approvedTtlMs;
  private final Store store;

  /** @param store where approvals are kept, or null: in this process's memory */
  public Approvals(long pendingTtlMs, long approvedTtlMs, Store store) {
    this.pendingTtlMs = pendingTtlMs;
    this.approvedTtlMs = approvedTtlMs;
    this.store = store;
  }

  /** Whether approvals are kept in the store. */
  public boolean persisted() {
    return store != null;
  }

  /** The answer to a request that needs approval: the approval it may use (consumed), or the one it waits for. */
  public record Lookup(Approval approved, Approval open) {}

  /**
   * Finds the approval bound to this request: an approved one is consumed and returned as
   * {@code approved}; otherwise a pending one (or a denied one, consumed) is returned as
   * {@code open}; null fields when there is none.
   */
  public Lookup use(String principal, String action, String target, String argumentsHash) {
    sweep();
    Store s = store;
    Approval waiting = null;
    Iterable<Approval> candidates = s != null ? s.bound(principal, action, target, argumentsHash) : byId.values();
    for (Approval a : candidates) {
      if (!a.binds(principal, action, target, argumentsHash) || expired(a, System.currentTimeMillis())) {
        continue;
      }
      if (a.status() == Status.APPROVED && remove(s, a)) {
        return new Lookup(a, null);
      }
      if (a.status() == Status.DENIED && remove(s, a)) {
        return new Lookup(null, a);
      }
      if (a.status() == Status.PENDING) {
        waiting = a;
      }
    }
    return new Lookup(null, waiting);
  }

  private boolean remove(Store s, Approval a) {
    return s != null ? s.remove(a.id(), a.status()) : byId.remove(a.id(), a);
  }

  /** Opens a pending approval (the caller found none with {@link #use}). */
  public Approval request(String principal, String persona, String action, String server, String target,
      String argumentsHash, String summary, String rule, String reason) {
    sweep();
    Store s = store;
    if (s == null && byId.size() >= MAX) {
      byId.values().stream().min(Comparator.comparingLong(Approval::createdAt)).ifPresent(a -> byId.remove(a.id()));
    }
    byte[] b = new byte[12];
    random.nextBytes(b);
    String id = "apr_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    Approval a = new Approval(id, principal, persona, action, server, target, argumentsHash, summary, rule, reason,
        Status.PENDING, System.currentTimeMillis(), 0);
    if (s != null) {
      s.insert(a);
    } else {
      byId.put(id, a);
    }
    return a;
  }

  /** An administrator's decision on a pending approval; null when there is no such pending approval. */
  public Approval decide(String id, boolean approve) {
    sweep();
    Status to = approve ? Status.APPROVED : Status.DENIED;
    long now = System.currentTimeMillis();
    Store s = store;
    if (s != null) {
      Approval a = s.get(id);
      if (a == null || a.status() != Status.PENDING || expired(a, now) || !s.decide(id, to, now)) {
        return null;
      }
      return a.decided(to, now);
    }
    Approval a = byId.get(id);
    if (a == null || a.status() != Status.PENDING) {
      return null;
    }
    Approval d = a.decided(to, now);
    return byId.replace(id, a, d) ? d : null;
  }

  /** Every approval still held, newest first. */
  public List<Approval> list() {
    sweep();
    Store s = store;
    long now = System.currentTimeMillis();
    List<Approval> out = new ArrayList<>(s != null ? s.list() : byId.values());
    out.removeIf(a -> expired(a, now));
    out.sort(Comparator.comparingLong(Approval::createdAt).reversed().thenComparing(Approval::id));
    return out;
  }

  // ---------------------------------------------------------------- for event loops

  public Future<Lookup> useAsync(String principal, String action, String target, String argumentsHash) {
    return async(() -> use(principal, action, target, argumentsHash));
  }

  public Future<Approval> requestAsync(String principal, String persona, String action, String server,
      String target, String argumentsHash, String summary, String rule, String reason) {
    return async(() -> request(principal, persona, action, server, target, argumentsHash, summary, rule, reason));
  }

  public Future<Approval> decideAsync(String id, boolean approve) {
    return async(() -> decide(id, approve));
  }

  public Future<List<Approval>> listAsync() {
    return async(this::list);
  }

  /** In memory: at once. In the store: on a worker thread of the caller's context (if any). */
  private <T> Future<T> async(Callable<T> work) {
    Context c = store == null ? null : Vertx.currentContext();
    if (c == null) {
      try {
        return Future.succeededFuture(work.call());
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }
    return c.executeBlocking(work, false);
  }

  private boolean expired(Approval a, long now) {
    return a.status() == Status.PENDING ? now - a.createdAt() > pendingTtlMs : now - a.decidedAt() > approvedTtlMs;
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    Store s = store;
    if (s != null) {
      s.sweep(now - pendingTtlMs, now - approvedTtlMs);
      return;
    }
    byId.values().removeIf(a -> expired(a, now));
  }
}
