package dev.portcullis.audit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An HMAC-SHA-256 key of the audit chain ({@code audit.chain_key}). Its id, a short HMAC of a
 * fixed text under the key, is stored with every event it chained, so that verification picks the
 * right key after a rotation and says which key is missing; the id does not reveal the key.
 */
public final class ChainKey {
  /** A shorter secret is refused: the key must not be guessable from the MACs in the database. */
  public static final int MIN_LENGTH = 32;
  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;
  private final String id;

  private ChainKey(byte[] secret) {
    this.key = new SecretKeySpec(secret, ALGORITHM);
    Mac mac = mac();
    this.id = HexFormat.of().formatHex(mac.doFinal("portcullis audit chain key id".getBytes(StandardCharsets.UTF_8)))
        .substring(0, 16);
  }

  /** A key from its text (trimmed); throws IllegalArgumentException when it is too short. */
  public static ChainKey of(String secret) {
    String s = secret == null ? "" : secret.trim();
    if (s.length() < MIN_LENGTH) {
      throw new IllegalArgumentException("the audit chain key is too short (" + s.length() + " characters; at least "
          + MIN_LENGTH + ", e.g. 32 random bytes in base64)");
    }
    return new ChainKey(s.getBytes(StandardCharsets.UTF_8));
  }

  public String id() {
    return id;
  }

  /** The label stored with each event this key chained. */
  public String label() {
    return ChainDigest.HMAC_PREFIX + id;
  }

  /** A fresh MAC under this key (a Mac is not thread-safe: one per batch or verification run). */
  Mac mac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
