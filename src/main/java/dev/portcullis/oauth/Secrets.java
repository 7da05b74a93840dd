package dev.portcullis.oauth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Random identifiers, one-way digests, constant-time comparison and PKCE for the authorization
 * server (and the gateway's own OAuth client for upstream connections).
 */
public final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Secrets() {}

  /** {@code bytes} random bytes, base64url without padding. */
  public static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return B64.encodeToString(b);
  }

  /** A 256-bit random token (codes, refresh tokens, state, CSRF tokens). */
  public static String token() {
    return random(32);
  }

  /** SHA-256 of the UTF-8 text, base64url: how codes and tokens are looked up (never stored in clear). */
  public static String sha256(String s) {
    try {
      return B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static boolean same(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** RFC 7636: the S256 challenge of a verifier. */
  public static String s256(String verifier) {
    return sha256(verifier);
  }

  /** RFC 7636 section 4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]. */
  static boolean validVerifier(String v) {
    return v != null && v.matches("[A-Za-z0-9._~-]{43,128}");
  }
}
