package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Live downstream sessions, by unguessable id; idle ones expire. */
public final class SessionRegistry {
  private final SecureRandom random = new SecureRandom();
  private final Map<String, McpSession> sessions = new ConcurrentHashMap<>();
  private final long idleMillis;
  private final int maxSessions;

  public SessionRegistry(long idleMillis, int maxSessions) {
    this.idleMillis = idleMillis;
    this.maxSessions = maxSessions;
  }

  /** A new session, or null when the gateway holds too many already. */
  public McpSession create(String principalId, String view, String version, ObjectNode initParams) {
    if (sessions.size() >= maxSessions) {
      expireIdle();
      if (sessions.size() >= maxSessions) {
        return null;
      }
    }
    byte[] b = new byte[32];
    random.nextBytes(b);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    McpSession s = new McpSession(id, principalId, view, version, initParams);
    sessions.put(id, s);
    return s;
  }

  /** The session with this id if it belongs to this principal and endpoint; else null. */
  public McpSession find(String id, String principalId, String view) {
    McpSession s = id == null ? null : sessions.get(id);
    if (s == null || !s.principalId().equals(principalId) || !s.view().equals(view)) {
      return null; // another principal's session looks exactly like an unknown one
    }
    s.touch();
    return s;
  }

  public boolean remove(McpSession s) {
    if (sessions.remove(s.id(), s)) {
      s.close();
      return true;
    }
    return false;
  }

  public Collection<McpSession> all() {
    return sessions.values();
  }

  /** Closes sessions idle for longer than the limit. */
  public void expireIdle() {
    long cutoff = System.currentTimeMillis() - idleMillis;
    for (McpSession s : sessions.values()) {
      if (s.lastSeenMillis() < cutoff && !s.hasLiveStream()) {
        remove(s);
      }
    }
  }

  public void closeAll() {
    sessions.values().forEach(this::remove);
  }
}
