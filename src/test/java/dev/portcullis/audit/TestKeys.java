package dev.portcullis.audit;

import java.util.List;

/** Audit keys for tests that drive the repository and writer directly (gateway tests use key files). */
final class TestKeys {
  static final ChainKey CHAIN = ChainKey.of("test-audit-chain-key-0123456789abcdef");
  static final ChainKeys KEYS = new ChainKeys(CHAIN, List.of());
  static final CheckpointSigner SIGNER = CheckpointSigner.fromJwk(CheckpointSigner.generateJwk());

  private TestKeys() {}

  /** A writer over the repository, checkpointing every {@code everyEvents} events. */
  static AuditWriter writer(AuditRepository repo, long flushMs, long everyEvents) {
    return new AuditWriter(repo, CHAIN, new Checkpointer(SIGNER, everyEvents, 60_000, System.currentTimeMillis()),
        List.of(), flushMs);
  }

  static ChainVerifier verifier(AuditRepository repo) {
    return new ChainVerifier(repo, KEYS, SIGNER);
  }
}
