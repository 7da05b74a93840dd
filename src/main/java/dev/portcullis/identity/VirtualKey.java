package dev.portcullis.identity;

import java.util.List;
import java.util.Map;

/**
 * A gateway key issued by the gateway (not from configuration). Only the SHA-256 of the secret
 * is kept; {@code keyPrefix} is the first characters of the secret, for display.
 *
 * @param models allowed model globs ({@code *}, {@code ?}); empty means every model
 * @param rpm requests per minute, or null for no limit (likewise tpm, maxParallel, budgetNanos)
 * @param budgetNanos budget in billionths of a US dollar per {@code budgetPeriod}
 * @param budgetPeriod day, week, month or total
 * @param expiresAt epoch milliseconds after which the key is refused, or null
 */
public record VirtualKey(String id, String name, String keyHash, String keyPrefix, String teamId, String owner,
    List<String> models, Integer rpm, Long tpm, Integer maxParallel, Long budgetNanos, String budgetPeriod,
    Long expiresAt, Map<String, String> metadata, boolean disabled, long createdAt, long updatedAt) {

  public VirtualKey {
    models = models == null ? List.of() : List.copyOf(models);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** Whether this key may call {@code model}. */
  public boolean allows(String model) {
    if (models.isEmpty()) {
      return true;
    }
    for (int i = 0; i < models.size(); i++) {
      if (Globs.matches(models.get(i), model)) {
        return true;
      }
    }
    return false;
  }

  public boolean expired(long nowMillis) {
    return expiresAt != null && nowMillis >= expiresAt;
  }

  public VirtualKey withSecret(String hash, String prefix, long now) {
    return new VirtualKey(id, name, hash, prefix, teamId, owner, models, rpm, tpm, maxParallel, budgetNanos,
        budgetPeriod, expiresAt, metadata, disabled, createdAt, now);
  }

  public VirtualKey withDisabled(boolean off, long now) {
    return new VirtualKey(id, name, keyHash, keyPrefix, teamId, owner, models, rpm, tpm, maxParallel, budgetNanos,
        budgetPeriod, expiresAt, metadata, off, createdAt, now);
  }
}
