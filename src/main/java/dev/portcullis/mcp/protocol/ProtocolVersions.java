package dev.portcullis.mcp.protocol;

import java.util.List;

/** The MCP protocol revisions the gateway speaks, and version negotiation. */
public final class ProtocolVersions {
  public static final String V2024_11_05 = "2024-11-05";
  public static final String V2025_03_26 = "2025-03-26";
  public static final String V2025_06_18 = "2025-06-18";
  public static final String V2025_11_25 = "2025-11-25";
  /** Session-based revisions, newest first. */
  public static final List<String> LEGACY = List.of(V2025_11_25, V2025_06_18, V2025_03_26, V2024_11_05);
  public static final String LATEST_LEGACY = V2025_11_25;
  public static final String V2026_07_28 = "2026-07-28";
  /** Stateless revisions (per-request {@code _meta}, no initialize, no session), newest first. */
  public static final List<String> MODERN = List.of(V2026_07_28);

  /** Every revision the gateway speaks, newest first (what server/discover and -32022 list). */
  public static List<String> all() {
    List<String> all = new java.util.ArrayList<>(MODERN);
    all.addAll(LEGACY);
    return List.copyOf(all);
  }

  public static boolean modern(String v) {
    return v != null && MODERN.contains(v);
  }

  private ProtocolVersions() {}

  public static boolean supported(String v) {
    return v != null && LEGACY.contains(v);
  }

  /** The version to answer an initialize with: the client's when supported, else our latest. */
  public static String negotiate(String requested) {
    return supported(requested) ? requested : LATEST_LEGACY;
  }

  /** Whether a negotiated version is at least {@code min} (dates compare as strings). */
  public static boolean atLeast(String version, String min) {
    return version != null && version.compareTo(min) >= 0;
  }
}
