package dev.portcullis.mcp.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.cluster.ChangeEvent;
import dev.portcullis.cluster.Cluster;
import dev.portcullis.cluster.SessionRecord;
import io.vertx.core.Future;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live downstream sessions, by unguessable id; idle ones expire. With a cluster, every session's
 * record is shared, so any replica serves any request of it: a replica that meets a session it
 * does not hold builds it from the record (bound to the same principal and endpoint), and every
 * use asks the record, so a session deleted through one replica is gone on all of them.
 */
public final class SessionRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

  private static final com.fasterxml.jackson.databind.ObjectMapper MESSAGES =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final SecureRandom random = new SecureRandom();
  private final Map<String, McpSession> sessions = new ConcurrentHashMap<>();
  private final long idleMillis;
  private final int maxSessions;
  private final Cluster cluster;

  public SessionRegistry(long idleMillis, int maxSessions, Cluster cluster) {
    this.idleMillis = idleMillis;
    this.maxSessions = maxSessions;
    this.cluster = cluster;
    cluster.onEvent(this::event);
  }

  /** A new session, or null when the gateway holds too many already. */
  public McpSession create(String principalId, String view, String version, ObjectNode initParams) {
    if (!room()) {
      return null;
    }
    byte[] b = new byte[32];
    random.nextBytes(b);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    McpSession s = new McpSession(id, principalId, view, version, initParams);
    sessions.put(id, s);
    return s;
  }

  private boolean room() {
    if (sessions.size() >= maxSessions) {
      expireIdle();
    }
    return sessions.size() < maxSessions;
  }

  /** Shares the session's record (after initialize, before its id is given out). */
  public Future<Void> share(McpSession s) {
    // with Redis away (fail: open) the session is this replica's alone, at once rather than after a timeout
    return cluster.healthy() ? cluster.sessions().save(record(s)) : Future.succeededFuture();
  }

  /** Shares a changed subscription list. */
  public void subscriptionsChanged(McpSession s) {
    if (!cluster.healthy()) {
      return;
    }
    cluster.sessions().save(record(s)).onFailure(e -> LOG.atWarn().addKeyValue("error", e.toString())
        .log("could not share an MCP session's subscriptions; other replicas serve it with the old list"));
  }

  private static SessionRecord record(McpSession s) {
    return new SessionRecord(s.id(), s.principalId(), s.view(), s.protocolVersion(), s.initParams(),
        new ArrayList<>(s.subscriptions().keySet()));
  }

  /**
   * The session with this id if it belongs to this principal and endpoint; else null. Another
   * principal's session looks exactly like an unknown one.
   */
  public Future<McpSession> find(String id, String principalId, String view) {
    if (id == null) {
      return Future.succeededFuture();
    }
    if (!cluster.sessions().shared() || !cluster.healthy()) { // one replica, or Redis away with fail: open
      return Future.succeededFuture(local(id, principalId, view));
    }
    return cluster.sessions().load(id).map(r -> {
      if (r == null) {
        drop(id); // deleted or expired elsewhere
        return null;
      }
      if (!r.principal().equals(principalId) || !r.view().equals(view)) {
        return null;
      }
      McpSession s = sessions.get(id);
      if (s == null && room()) {
        s = sessions.computeIfAbsent(id, k -> adopt(r));
      }
      if (s != null) {
        s.touch();
      }
      return s;
    }).recover(e -> {
      // only reached with fail: open (fail: closed refused the request before): what this replica holds
      LOG.atWarn().addKeyValue("error", e.toString()).log("MCP session records unreachable; using this replica's");
      return Future.succeededFuture(local(id, principalId, view));
    });
  }

  private McpSession local(String id, String principalId, String view) {
    McpSession s = sessions.get(id);
    if (s == null || !s.principalId().equals(principalId) || !s.view().equals(view)) {
      return null;
    }
    s.touch();
    return s;
  }

  private static McpSession adopt(SessionRecord r) {
    McpSession s = new McpSession(r.id(), r.principal(), r.view(), r.protocolVersion(), r.initParams());
    r.subscriptions().forEach(uri -> s.subscriptions().put(uri, Boolean.TRUE));
    return s;
  }

  /**
   * Ends the session here and everywhere (DELETE, a failed initialize); completes once the shared
   * record is gone, so that a request sent after the answer finds it gone on every replica.
   */
  public Future<Void> remove(McpSession s) {
    if (!sessions.remove(s.id(), s)) {
      return Future.succeededFuture();
    }
    s.close();
    if (!cluster.sessions().shared()) {
      return Future.succeededFuture();
    }
    return cluster.sessions().delete(s.id())
        .onSuccess(v -> cluster.toSession(ChangeEvent.Kind.SESSION_CLOSED, s.id(), null))
        .recover(e -> {
          LOG.atWarn().addKeyValue("error", e.toString())
              .log("could not delete a shared MCP session record; it expires when idle");
          return Future.succeededFuture();
        });
  }

  /** Forgets this replica's copy of a session (ended elsewhere, or idle here). */
  private void drop(String id) {
    McpSession s = sessions.remove(id);
    if (s != null) {
      s.close();
    }
  }

  /**
   * Sends a message about one session (a resource update) to the client: on this replica's GET
   * stream when it is open here, else to whichever replica has it open.
   */
  public void notifyAnywhere(McpSession s, JsonNode message) {
    if (cluster.sessions().shared() && !s.standaloneConnected()) {
      cluster.toSession(ChangeEvent.Kind.SESSION_MESSAGE, s.id(), message.toString());
    } else {
      s.notifyClient(message);
    }
  }

  private void event(ChangeEvent e) {
    switch (e.kind()) {
      case SESSION_MESSAGE -> {
        McpSession s = e.session() == null ? null : sessions.get(e.session());
        if (s != null && s.standaloneConnected()) {
          try {
            s.notifyClient(MESSAGES.readTree(e.message()));
          } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            LOG.warn("unreadable MCP session message from another replica");
          }
        }
      }
      case SESSION_CLOSED -> {
        if (e.session() != null) {
          drop(e.session());
        }
      }
      case RESYNC -> sessions.keySet().forEach(id -> cluster.sessions().load(id)
          .onSuccess(r -> {
            if (r == null) {
              drop(id);
            }
          }));
      default -> { }
    }
  }

  public Collection<McpSession> all() {
    return sessions.values();
  }

  /** Closes this replica's copies of sessions idle for longer than the limit (the shared record expires by itself). */
  public void expireIdle() {
    long cutoff = System.currentTimeMillis() - idleMillis;
    for (McpSession s : sessions.values()) {
      if (s.lastSeenMillis() < cutoff && !s.hasLiveStream()) {
        if (sessions.remove(s.id(), s)) {
          s.close();
        }
      }
    }
  }

  public void closeAll() {
    for (McpSession s : sessions.values()) {
      if (sessions.remove(s.id(), s)) {
        s.close(); // the shared records stay: other replicas go on serving these sessions
      }
    }
  }
}
