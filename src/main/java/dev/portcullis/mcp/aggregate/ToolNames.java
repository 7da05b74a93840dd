package dev.portcullis.mcp.aggregate;

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

  /** The longest name an upstream may give a tool or prompt (the MCP specification's bound). */
  public static final int MAX_UPSTREAM_LENGTH = 128;

  /**
   * Whether an upstream's tool or prompt name may be shown to clients and models: 1 to 128
   * characters, none of them control, format (zero-width, bidirectional overrides) or line/paragraph
   * separators, which would let a name hide or disguise what it says.
   */
  public static boolean acceptable(String name) {
    if (name.isEmpty() || name.length() > MAX_UPSTREAM_LENGTH) {
      return false;
    }
    return name.codePoints().noneMatch(c -> switch (Character.getType(c)) {
      case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
          Character.UNASSIGNED, Character.PRIVATE_USE, Character.SURROGATE -> true;
      default -> false;
    });
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
