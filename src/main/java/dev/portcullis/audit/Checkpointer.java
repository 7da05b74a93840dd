package dev.portcullis.audit;

import java.util.List;

/**
 * Decides when the chain's head is checkpointed: after {@code everyEvents} events, or once
 * {@code everyMillis} passed since the last checkpoint, and at shutdown; never twice for one head.
 * It learns the head from the batches the writer commits, so it costs no database read. With
 * several replicas each checkpoints the head it wrote, which is the chain's head at that moment.
 * Used on the audit writer's thread only.
 */
public final class Checkpointer {
  private final CheckpointSigner signer;
  private final long everyEvents;
  private final long everyMillis;
  private long headSeq;
  private String headHash;
  private long checkpointedSeq;
  private long sinceCheckpoint;
  private long lastAt;

  public Checkpointer(CheckpointSigner signer, long everyEvents, long everyMillis, long now) {
    this.signer = signer;
    this.everyEvents = everyEvents;
    this.everyMillis = everyMillis;
    this.lastAt = now;
  }

  /** The events just committed, in order; a checkpoint when enough were written since the last one, else null. */
  public Checkpoint written(List<AuditEvent> events, long now) {
    if (events.isEmpty()) {
      return null;
    }
    AuditEvent last = events.get(events.size() - 1);
    headSeq = last.seq();
    headHash = last.hash();
    sinceCheckpoint += events.size();
    return sinceCheckpoint >= everyEvents ? checkpoint(now) : null;
  }

  /** A checkpoint when the interval passed and the head moved since the last one, else null. */
  public Checkpoint due(long now) {
    return now - lastAt >= everyMillis ? checkpoint(now) : null;
  }

  /** The last checkpoint, at shutdown (null when the head did not move). */
  public Checkpoint closing(long now) {
    return checkpoint(now);
  }

  private Checkpoint checkpoint(long now) {
    if (headHash == null || headSeq == checkpointedSeq) {
      lastAt = now;
      return null;
    }
    checkpointedSeq = headSeq;
    sinceCheckpoint = 0;
    lastAt = now;
    return signer.sign(headSeq, headHash, now);
  }
}
