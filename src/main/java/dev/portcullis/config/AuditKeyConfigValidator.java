package dev.portcullis.config;

import java.util.List;

/** Checks the audit chain's keys and checkpoint intervals ({@code audit.chain_key}, {@code audit.checkpoints}). */
final class AuditKeyConfigValidator {
  /** The same floor as the chain key itself enforces (dev.portcullis.audit.ChainKey). */
  private static final int MIN_KEY_LENGTH = 32;

  private AuditKeyConfigValidator() {}

  static void validate(GatewayConfig c, List<String> problems) {
    AuditConfig a = c.audit();
    if (c.store() == null || !a.enabled()) {
      return;
    }
    AuditConfig.Checkpoints cp = a.checkpoints();
    if (cp.everyEvents() <= 0) {
      problems.add("audit.checkpoints.every_events: must be positive, got " + cp.everyEvents());
    }
    if (cp.everySeconds() <= 0) {
      problems.add("audit.checkpoints.every_seconds: must be positive, got " + cp.everySeconds());
    }
    boolean postgres = c.store().url() != null && c.store().url().startsWith("jdbc:postgresql:");
    if (postgres && a.chainKey() == null) {
      problems.add("audit.chain_key: required with a PostgreSQL store (every replica must chain with the same key; "
          + "e.g. ${AUDIT_CHAIN_KEY} or file:/run/secrets/audit-chain.key)");
    }
    if (postgres && cp.signingKey() == null) {
      problems.add("audit.checkpoints.signing_key: required with a PostgreSQL store (a private EC P-256 JWK, "
          + "e.g. ${AUDIT_CHECKPOINT_KEY} or file:/run/secrets/audit-checkpoint.jwk)");
    }
    inlineKey("audit.chain_key", a.chainKey(), problems);
    for (int i = 0; i < a.previousChainKeys().size(); i++) {
      inlineKey("audit.previous_chain_keys[" + i + "]", a.previousChainKeys().get(i), problems);
    }
  }

  private static void inlineKey(String field, String value, List<String> problems) {
    if (value != null && !value.startsWith("file:") && value.trim().length() < MIN_KEY_LENGTH) {
      problems.add(field + ": too short (" + value.trim().length() + " characters; at least " + MIN_KEY_LENGTH
          + ", e.g. 32 random bytes in base64), or file:PATH");
    }
  }
}
