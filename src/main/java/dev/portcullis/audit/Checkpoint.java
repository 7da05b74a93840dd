package dev.portcullis.audit;

/**
 * A signed statement of the chain's head: "after event {@code seq}, whose hash is {@code hash},
 * the chain held {@code count} events", made at {@code ts} (epoch ms). Sent to every export sink,
 * it anchors the chain outside the database: a later truncation or rewrite of events up to
 * {@code seq} no longer matches it. {@code jws} is the ES256 JWS over those fields (the only part
 * a verifier trusts); {@code kid} names the signing key.
 */
public record Checkpoint(long seq, String hash, long count, long ts, String kid, String jws) implements AuditRecord {
  /** The value of {@code type} that marks a checkpoint among exported events. */
  public static final String TYPE = "checkpoint";
}
