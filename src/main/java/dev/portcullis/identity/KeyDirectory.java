package dev.portcullis.identity;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every virtual key and team, held in memory so that authenticating a request does no I/O.
 * Replaced whole (copy on write) whenever the store changes or is re-read; reads take no lock.
 */
public final class KeyDirectory {
  private volatile Map<String, VirtualKey> byHash = Map.of();
  private volatile Map<String, Team> teams = Map.of();

  /** Replaces the contents with what the store holds now. */
  public void replace(Collection<VirtualKey> keys, Collection<Team> allTeams) {
    Map<String, VirtualKey> k = new HashMap<>(keys.size() * 2);
    for (VirtualKey key : keys) {
      k.put(key.keyHash(), key);
    }
    Map<String, Team> t = new HashMap<>();
    for (Team team : allTeams) {
      t.put(team.id(), team);
    }
    this.teams = t;
    this.byHash = k;
  }

  /**
   * The principal of a presented secret, or null when it is unknown, disabled or expired.
   * Costs one SHA-256 and one hash-map look-up.
   */
  public Principal authenticate(String presented, long nowMillis) {
    if (!presented.startsWith(KeySecrets.PREFIX)) {
      return null;
    }
    VirtualKey key = byHash.get(KeySecrets.hash(presented));
    if (key == null || key.disabled() || key.expired(nowMillis)) {
      return null;
    }
    return new Principal(key.id(), "virtual_key", key, key.teamId() == null ? null : teams.get(key.teamId()));
  }

  public Team team(String id) {
    return id == null ? null : teams.get(id);
  }

  public List<VirtualKey> keys() {
    return List.copyOf(byHash.values());
  }
}
