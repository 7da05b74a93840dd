package dev.portcullis.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks the audit trail: recomputes every event's hash in order (HMAC under the key that chained
 * it, plain SHA-256 for events from before the chain was keyed) and checks sequence, links and
 * head; then, against checkpoints kept outside the database, that every checkpointed event is
 * still there with the hash the checkpoint signed. The chain alone catches edits by anyone without
 * the key; only the checkpoints catch a cut-off tail with the head moved back, or a chain rebuilt
 * from scratch with plain SHA-256.
 */
public final class ChainVerifier {
  private final AuditRepository repo;
  private final ChainKeys keys;
  private final CheckpointSigner signer;

  public ChainVerifier(AuditRepository repo, ChainKeys keys, CheckpointSigner signer) {
    this.repo = repo;
    this.keys = keys;
    this.signer = signer;
  }

  /** A checkpoint as found outside the database. @param where file and line, for messages */
  public record Anchor(String where, String jws) {}

  /**
   * The outcome.
   *
   * @param intactTo the last event up to which the chain holds
   * @param brokenAt the first event where the chain does not hold, or -1
   * @param unkeyed events chained with plain SHA-256 (written before the chain was keyed)
   * @param checkpoints checkpoints checked (with a valid signature)
   * @param latestCheckpoint the highest checkpointed sequence number, or 0
   * @param anchorProblems what the checkpoints found, in sequence order
   */
  public record Report(boolean ok, long events, long intactTo, long brokenAt, String problem, long unkeyed,
      int checkpoints, long latestCheckpoint, List<String> anchorProblems) {}

  public Report verify(List<Anchor> anchors) {
    List<String> anchorProblems = new ArrayList<>();
    TreeMap<Long, List<Checkpoint>> bySeq = new TreeMap<>();
    int valid = 0;
    for (Anchor a : anchors) {
      try {
        Checkpoint cp = signer.open(a.jws());
        bySeq.computeIfAbsent(cp.seq(), s -> new ArrayList<>()).add(cp);
        valid++;
      } catch (IllegalArgumentException e) {
        anchorProblems.add("checkpoint at " + a.where() + " is not genuine: " + e.getMessage());
      }
    }
    // the head first: events a running gateway appends during the scan are then simply more chain
    AuditRepository.Head head = repo.head();
    Scan scan = new Scan(bySeq, anchorProblems, head.seq());
    repo.scan(scan::visit);
    long last = scan.expected - 1;
    if (scan.problem == null) {
      if (last < head.seq()) {
        scan.fail(scan.expected, "the chain ends at event " + last + " but " + head.seq()
            + " were written: events were removed from the end");
      } else if (head.seq() > 0 && !head.hash().equals(scan.atHead)) {
        scan.fail(head.seq(), "event " + head.seq() + " is not the one the chain's head recorded: it was rewritten");
      }
    }
    for (Map.Entry<Long, List<Checkpoint>> e : bySeq.tailMap(scan.lastSeen, false).entrySet()) {
      anchorProblems.add("checkpoint at event " + e.getKey() + " (" + Instant.ofEpochMilli(e.getValue().get(0).ts())
          + ") is past the end of the trail, event " + scan.lastSeen + ": events " + (scan.lastSeen + 1) + ".."
          + e.getKey() + " were removed");
    }
    return new Report(scan.problem == null && anchorProblems.isEmpty(), scan.count,
        scan.problem == null ? last : scan.brokenAt - 1, scan.brokenAt, scan.problem, scan.unkeyed, valid,
        bySeq.isEmpty() ? 0 : bySeq.lastKey(), List.copyOf(anchorProblems));
  }

  /** One pass over the events: the chain's own checks, then the checkpoints'. */
  private final class Scan {
    final TreeMap<Long, List<Checkpoint>> bySeq;
    final List<String> anchorProblems;
    final long headSeq;
    final Map<String, ChainDigest> digests = new HashMap<>();
    String atHead;
    String prev = AuditEvent.GENESIS;
    long expected = 1;
    long count;
    long lastSeen;
    long unkeyed;
    boolean keyedSeen;
    long brokenAt = -1;
    String problem;

    Scan(TreeMap<Long, List<Checkpoint>> bySeq, List<String> anchorProblems, long headSeq) {
      this.bySeq = bySeq;
      this.anchorProblems = anchorProblems;
      this.headSeq = headSeq;
    }

    boolean visit(AuditEvent e) {
      count++;
      lastSeen = e.seq();
      if (e.seq() == headSeq) {
        atHead = e.hash();
      }
      List<Checkpoint> cps = bySeq.get(e.seq());
      if (cps != null) {
        for (Checkpoint cp : cps) {
          if (!cp.hash().equals(e.hash())) {
            anchorProblems.add("event " + e.seq() + " is not the event checkpointed at "
                + Instant.ofEpochMilli(cp.ts()) + " (its hash differs): events up to " + e.seq()
                + " were rewritten, removed or reordered");
          }
        }
      }
      if (problem == null) {
        chain(e);
      }
      return problem == null || !bySeq.tailMap(e.seq(), false).isEmpty();
    }

    private void chain(AuditEvent e) {
      if (e.seq() != expected) {
        fail(expected, "event " + expected + " is missing (next is " + e.seq() + ")");
        return;
      }
      if (!prev.equals(e.prevHash())) {
        fail(e.seq(), "event " + e.seq() + " does not link to the event before it");
        return;
      }
      ChainDigest d = digests.computeIfAbsent(e.chain(), keys::digestFor);
      if (d == null) {
        fail(e.seq(), "event " + e.seq() + " was chained as '" + e.chain() + "', which no configured key made "
            + "(audit.chain_key, audit.previous_chain_keys)");
        return;
      }
      if (!d.keyed()) {
        if (keyedSeen) {
          fail(e.seq(), "event " + e.seq() + " is chained with plain SHA-256 after keyed events: it was rewritten");
          return;
        }
        unkeyed++;
      } else {
        keyedSeen = true;
      }
      if (!d.hash(e).equals(e.hash())) {
        fail(e.seq(), "event " + e.seq() + " was changed after it was written (its "
            + (d.keyed() ? "HMAC" : "hash") + " does not match)");
        return;
      }
      prev = e.hash();
      expected++;
    }

    void fail(long at, String why) {
      brokenAt = at;
      problem = why;
    }
  }
}
