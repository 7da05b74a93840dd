package dev.portcullis.audit;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit chain's keys: the current one (new events) and earlier ones kept after a rotation
 * ({@code audit.previous_chain_keys}), which only verify the events they chained.
 */
public final class ChainKeys {
  private final ChainKey current;
  private final Map<String, ChainKey> byLabel = new HashMap<>();

  public ChainKeys(ChainKey current, List<ChainKey> previous) {
    this.current = current;
    for (ChainKey k : previous) {
      byLabel.put(k.label(), k);
    }
    byLabel.put(current.label(), current);
  }

  public ChainKey current() {
    return current;
  }

  /** A digest for events labelled {@code label}, or null when no configured key made it. */
  public ChainDigest digestFor(String label) {
    if (ChainDigest.LEGACY.equals(label)) {
      return ChainDigest.legacy();
    }
    ChainKey k = byLabel.get(label);
    return k == null ? null : ChainDigest.keyed(k);
  }
}
