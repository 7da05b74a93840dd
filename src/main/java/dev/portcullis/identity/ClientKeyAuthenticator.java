package dev.portcullis.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Checks the gateway credential a client presents ({@code Authorization: Bearer KEY} or
 * {@code x-api-key: KEY}) against the keys in configuration. Deny by default: with no keys
 * configured, nobody gets in.
 */
public final class ClientKeyAuthenticator {
  private final List<byte[]> keys;
  private final KeyDirectory virtualKeys;

  public ClientKeyAuthenticator(List<String> keys) {
    this(keys, null);
  }

  /** Also accepts the virtual keys in {@code virtualKeys} (null: configuration keys only). */
  public ClientKeyAuthenticator(List<String> keys, KeyDirectory virtualKeys) {
    this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    this.virtualKeys = virtualKeys;
  }

  /** The principal for this credential, or null when it is missing or unknown. */
  public Principal authenticate(String authorization, String apiKeyHeader) {
    String presented = null;
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      presented = authorization.substring(7).trim();
    } else if (apiKeyHeader != null) {
      presented = apiKeyHeader.trim();
    }
    if (presented == null || presented.isEmpty()) {
      return null;
    }
    byte[] p = presented.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < keys.size(); i++) {
      if (MessageDigest.isEqual(keys.get(i), p)) { // constant time: no timing oracle on keys
        return new Principal("config-key-" + (i + 1), Principal.STATIC_KEY);
      }
    }
    return virtualKeys == null ? null : virtualKeys.authenticate(presented, System.currentTimeMillis());
  }
}
