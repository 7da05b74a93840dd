package dev.portcullis.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Makes and hashes virtual key secrets: {@code pk-} followed by 40 base62 characters (about 238 bits). */
public final class KeySecrets {
  public static final String PREFIX = "pk-";
  private static final char[] BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private KeySecrets() {}

  public static String newSecret() {
    char[] out = new char[40];
    for (int i = 0; i < out.length; i++) {
      out[i] = BASE62[RANDOM.nextInt(BASE62.length)];
    }
    return PREFIX + new String(out);
  }

  /** A new id for a key or team record ({@code prefix} + 16 hex digits); not a secret. */
  public static String newId(String prefix) {
    return prefix + HexFormat.of().formatHex(bytes(8));
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  /** Lower-case hex SHA-256 of the secret: what the store keeps. */
  public static String hash(String secret) {
    MessageDigest md = SHA256.get();
    md.reset();
    return HexFormat.of().formatHex(md.digest(secret.getBytes(StandardCharsets.UTF_8)));
  }

  /** The first characters of a secret, safe to show (for example {@code pk-3fZq9}). */
  public static String displayPrefix(String secret) {
    return secret.substring(0, Math.min(secret.length(), PREFIX.length() + 6));
  }
}
