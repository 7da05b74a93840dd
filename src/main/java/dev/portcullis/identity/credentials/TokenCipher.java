package dev.portcullis.identity.credentials;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts the users' upstream tokens at rest: AES-256-GCM, a random 96-bit nonce per record,
 * and the upstream and user id as associated data, so that a record copied to another user's
 * or another upstream's row does not decrypt. The key is {@code identity.secrets_key}: 32
 * bytes in base64, or else the SHA-256 of the given passphrase.
 */
public final class TokenCipher {
  private static final String PREFIX = "v1:";
  private static final SecureRandom RANDOM = new SecureRandom();
  private final SecretKeySpec key;

  public TokenCipher(String secret) {
    byte[] k = null;
    try {
      byte[] decoded = Base64.getDecoder().decode(secret.trim());
      if (decoded.length == 32) {
        k = decoded;
      }
    } catch (IllegalArgumentException e) {
      // a passphrase
    }
    if (k == null) {
      try {
        k = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    this.key = new SecretKeySpec(k, "AES");
  }

  private static byte[] aad(String upstream, String userId) {
    return ("portcullis-connection\u0000" + upstream + "\u0000" + userId).getBytes(StandardCharsets.UTF_8);
  }

  public String encrypt(String upstream, String userId, String plaintext) {
    try {
      byte[] nonce = new byte[12];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      c.updateAAD(aad(upstream, userId));
      byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      return PREFIX + b64.encodeToString(nonce) + ":" + b64.encodeToString(ct);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt a connection record", e);
    }
  }

  /** The plaintext; IllegalArgumentException when the record was altered, moved, or sealed with another key. */
  public String decrypt(String upstream, String userId, String sealed) {
    if (sealed == null || !sealed.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not an encrypted connection record");
    }
    String[] parts = sealed.substring(PREFIX.length()).split(":", 2);
    try {
      Base64.Decoder b64 = Base64.getUrlDecoder();
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, b64.decode(parts[0])));
      c.updateAAD(aad(upstream, userId));
      return new String(c.doFinal(b64.decode(parts[1])), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("the connection record does not decrypt (altered, moved or another key)");
    }
  }
}
