package dev.portcullis.mcp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Namespaced names for tools and prompts: {@code alias + separator + name}, kept within the
 * 64 characters clients enforce by cutting the tail and appending a short hash of the full name,
 * so the same input always gives the same name and different inputs (almost surely) differ.
 */
public final class ToolNames {
  public static final int MAX_LENGTH = 64;
  private static final int HASH_CHARS = 8;

  private ToolNames() {}

  public static String namespaced(String alias, String separator, String name) {
    return fit(alias + separator + name);
  }

  /** The name itself when short enough, else its first characters plus a hash of all of it. */
  public static String fit(String full) {
    if (full.length() <= MAX_LENGTH) {
      return full;
    }
    return full.substring(0, MAX_LENGTH - HASH_CHARS - 1) + "-" + hash(full);
  }

  /** A deterministic alternative when {@code taken} is already used by another item. */
  public static String disambiguate(String taken, String upstream, String original) {
    String suffix = "-" + hash(upstream + "\u0000" + original);
    String base = taken.length() + suffix.length() > MAX_LENGTH
        ? taken.substring(0, MAX_LENGTH - suffix.length()) : taken;
    return base + suffix;
  }

  static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, HASH_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
