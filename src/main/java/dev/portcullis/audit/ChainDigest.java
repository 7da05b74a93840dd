package dev.portcullis.audit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;

/**
 * How an event's hash is made: HMAC-SHA-256 under a chain key (every event written now), or
 * plain SHA-256 (events written before the chain was keyed). Not thread-safe: one per batch or
 * verification run.
 */
public final class ChainDigest {
  /** The label of events chained with plain SHA-256 (before the chain was keyed). */
  public static final String LEGACY = "sha256";
  /** Keyed events are labelled with this prefix and the key's id. */
  public static final String HMAC_PREFIX = "hmac-sha256:";

  private final String label;
  private final Mac mac;

  private ChainDigest(String label, Mac mac) {
    this.label = label;
    this.mac = mac;
  }

  public static ChainDigest keyed(ChainKey key) {
    return new ChainDigest(key.label(), key.mac());
  }

  /** Plain SHA-256: verifies events from before the chain was keyed. */
  public static ChainDigest legacy() {
    return new ChainDigest(LEGACY, null);
  }

  public String label() {
    return label;
  }

  public boolean keyed() {
    return mac != null;
  }

  /** The hex hash of the event, whose {@code chain} must be this digest's label. */
  public String hash(AuditEvent e) {
    byte[] bytes = e.canonical();
    if (mac != null) {
      return HexFormat.of().formatHex(mac.doFinal(bytes));
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
