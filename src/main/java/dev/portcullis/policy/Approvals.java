package dev.portcullis.policy;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests a policy rule sent for approval ({@code require_approval}) and an administrator decides
 * on. An approval is bound to the principal, the action, the item and a hash of the arguments that
 * asked for it, and is used at most once: the caller retries the very same request after approval.
 * Pending approvals expire after {@code pendingTtlMs}, approved ones unused after {@code approvedTtlMs}.
 * In memory (one process). Knows nothing about HTTP.
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

  private final Map<String, Approval> byId = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final long pendingTtlMs;
  private final long approvedTtlMs;

  public Approvals(long pendingTtlMs, long approvedTtlMs) {
    this.pendingTtlMs = pendingTtlMs;
    this.approvedTtlMs = approvedTtlMs;
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
    Approval waiting = null;
    for (Approval a : byId.values()) {
      if (!a.binds(principal, action, target, argumentsHash)) {
        continue;
      }
      if (a.status() == Status.APPROVED && byId.remove(a.id(), a)) {
        return new Lookup(a, null);
      }
      if (a.status() == Status.DENIED && byId.remove(a.id(), a)) {
        return new Lookup(null, a);
      }
      if (a.status() == Status.PENDING) {
        waiting = a;
      }
    }
    return new Lookup(null, waiting);
  }

  /** Opens a pending approval (the caller found none with {@link #use}). */
  public Approval request(String principal, String persona, String action, String server, String target,
      String argumentsHash, String summary, String rule, String reason) {
    sweep();
    if (byId.size() >= MAX) {
      byId.values().stream().min(Comparator.comparingLong(Approval::createdAt)).ifPresent(a -> byId.remove(a.id()));
    }
    byte[] b = new byte[12];
    random.nextBytes(b);
    String id = "apr_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    Approval a = new Approval(id, principal, persona, action, server, target, argumentsHash, summary, rule, reason,
        Status.PENDING, System.currentTimeMillis(), 0);
    byId.put(id, a);
    return a;
  }

  /** An administrator's decision on a pending approval; null when there is no such pending approval. */
  public Approval decide(String id, boolean approve) {
    sweep();
    Approval a = byId.get(id);
    if (a == null || a.status() != Status.PENDING) {
      return null;
    }
    Approval d = a.decided(approve ? Status.APPROVED : Status.DENIED, System.currentTimeMillis());
    return byId.replace(id, a, d) ? d : null;
  }

  /** Every approval still held, newest first. */
  public List<Approval> list() {
    sweep();
    List<Approval> out = new ArrayList<>(byId.values());
    out.sort(Comparator.comparingLong(Approval::createdAt).reversed().thenComparing(Approval::id));
    return out;
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    byId.values().removeIf(a -> a.status() == Status.PENDING ? now - a.createdAt() > pendingTtlMs
        : now - a.decidedAt() > approvedTtlMs);
  }
}
