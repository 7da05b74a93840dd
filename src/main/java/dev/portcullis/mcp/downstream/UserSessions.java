package dev.portcullis.mcp.downstream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.identity.Principal;
import dev.portcullis.identity.credentials.UpstreamCredential;
import dev.portcullis.mcp.McpGateway;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.upstream.HeaderSource;
import dev.portcullis.mcp.upstream.McpClient;
import dev.portcullis.mcp.upstream.Transport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One upstream session per user for an upstream whose credential is per-user (oauth_user,
 * token_exchange): an upstream session is never shared by two users, so nothing the upstream
 * keeps per session (state, subscriptions, caches) crosses from one user to another. Sessions
 * idle for a while are closed; at most {@code max} are held (the least recently used goes).
 */
public final class UserSessions {
  private final Vertx vertx;
  private final String key;
  private final UpstreamCredential credential;
  private final Function<HeaderSource, Transport> transports;
  private final long timeoutMs;
  private final long idleMs;
  private final int max;
  private final Map<String, Held> clients = new ConcurrentHashMap<>();
  private volatile BiConsumer<String, ObjectNode> notifications = (m, p) -> { };

  /** One user's session; the principal is the latest request's (its token is the one to exchange). */
  private static final class Held {
    volatile Principal current;
    volatile long usedAt;
    McpClient client;
  }

  /**
   * @param transports builds a transport whose requests carry the given headers (the user's credential)
   */
  public UserSessions(Vertx vertx, String key, UpstreamCredential credential, Function<HeaderSource, Transport> transports,
      long timeoutMs, long idleMs, int max) {
    this.vertx = vertx;
    this.key = key;
    this.credential = credential;
    this.transports = transports;
    this.timeoutMs = timeoutMs;
    this.idleMs = idleMs;
    this.max = max;
  }

  public void onNotification(BiConsumer<String, ObjectNode> listener) {
    this.notifications = listener;
  }

  /**
   * The caller's session, once their credential is known to be available: a caller without one
   * (no connection yet) fails here with the credential's reason, before anything goes upstream.
   */
  public Future<McpClient> client(Principal p) {
    if (p == null) {
      return Future.failedFuture(new McpError(McpError.INVALID_REQUEST, "upstream '" + key + "' acts for a user"));
    }
    return credential.headers(p).map(h -> held(p).client);
  }

  private synchronized Held held(Principal p) {
    Held h = clients.get(p.id());
    if (h == null) {
      if (clients.size() >= max) {
        clients.values().stream().min((a, b) -> Long.compare(a.usedAt, b.usedAt)).ifPresent(this::close);
      }
      Held fresh = new Held();
      fresh.current = p;
      HeaderSource headers = new HeaderSource() {
        @Override
        public Future<Map<String, String>> headers() {
          return credential.headers(fresh.current);
        }

        @Override
        public boolean rejected() {
          return credential.rejected(fresh.current);
        }
      };
      fresh.client = new McpClient(vertx, key, transports.apply(headers), timeoutMs, McpGateway.VERSION);
      fresh.client.onNotification((m, params) -> notifications.accept(m, params));
      clients.put(p.id(), fresh);
      h = fresh;
    }
    h.current = p;
    h.usedAt = System.currentTimeMillis();
    return h;
  }

  private void close(Held h) {
    clients.values().remove(h);
    h.client.close();
  }

  /** Closes the sessions idle for longer than the idle time. */
  public synchronized void sweep() {
    long now = System.currentTimeMillis();
    new ArrayList<>(clients.values()).stream().filter(h -> now - h.usedAt > idleMs).forEach(this::close);
  }

  int size() {
    return clients.size();
  }

  public synchronized List<Future<Void>> closeAll() {
    List<Future<Void>> out = new ArrayList<>();
    clients.values().forEach(h -> out.add(h.client.close()));
    clients.clear();
    return out;
  }
}
