package dev.portcullis.policy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each MCP session has done so far, as session-aware rules see it: the labels of the items
 * it called or read (for example "sensitive") and the names of the tools it called, in order.
 * Bounded: the oldest sessions are forgotten first when too many are held.
 */
public final class SessionLedger {
  private static final int MAX_CALLS = 200;
  private final int maxSessions;
  private final Map<String, History> sessions = new ConcurrentHashMap<>();

  /** One session's history; read-only snapshots are handed to rules. */
  static final class History {
    final Set<String> labels = new LinkedHashSet<>();
    final List<String> calls = new ArrayList<>();
    final long created = System.nanoTime();
  }

  public SessionLedger(int maxSessions) {
    this.maxSessions = maxSessions;
  }

  /** Records that the session performed an allowed action on an item with these labels. */
  public void record(String sessionId, String name, List<String> labels, boolean call) {
    if (sessionId == null) {
      return;
    }
    History h = sessions.computeIfAbsent(sessionId, k -> new History());
    synchronized (h) {
      h.labels.addAll(labels);
      if (call && h.calls.size() < MAX_CALLS) {
        h.calls.add(name);
      }
    }
    if (sessions.size() > maxSessions) {
      sessions.entrySet().stream().min((a, b) -> Long.compare(a.getValue().created, b.getValue().created))
          .ifPresent(e -> sessions.remove(e.getKey()));
    }
  }

  public List<String> labels(String sessionId) {
    History h = sessionId == null ? null : sessions.get(sessionId);
    if (h == null) {
      return List.of();
    }
    synchronized (h) {
      return List.copyOf(h.labels);
    }
  }

  public List<String> calls(String sessionId) {
    History h = sessionId == null ? null : sessions.get(sessionId);
    if (h == null) {
      return List.of();
    }
    synchronized (h) {
      return List.copyOf(h.calls);
    }
  }

  public void forget(String sessionId) {
    sessions.remove(sessionId);
  }
}
