package dev.portcullis.identity;

/**
 * Who is calling the gateway. Grows with OAuth users and personas.
 *
 * @param key the virtual key presented, or null for a key from configuration
 * @param team the key's team, or null
 */
public record Principal(String id, String kind, VirtualKey key, Team team) {
  public Principal(String id, String kind) {
    this(id, kind, null, null);
  }
}
