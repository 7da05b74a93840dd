package dev.portcullis.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.cluster.ExpiringValues;
import dev.portcullis.oauth.Secrets;
import io.vertx.core.Future;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's sessions in the cluster's shared store (Redis), so that replicas behind a load
 * balancer without sticky sessions all honour them. A session is stored under the SHA-256 of its
 * id (whoever reads Redis does not get ids a browser would accept) with an expiry of what is left
 * of its life, restarted at every request; Redis drops it when idle, a sign-out deletes it for
 * every replica at once. The count of sessions is bounded by their short lives and the console's
 * rate limit rather than by {@code max_sessions}, which counts one process's memory.
 */
final class SharedSessions implements Sessions {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(SharedSessions.class);

  private final SecureRandom random = new SecureRandom();
  private final ExpiringValues values;
  private final Lifetimes lifetimes;

  SharedSessions(ExpiringValues values, Duration idle, Duration absolute) {
    this.values = values;
    this.lifetimes = new Lifetimes(idle, absolute);
  }

  @Override
  public Future<Session> signedOut(long now, Session.OidcPending pending) {
    return add(Role.SIGNED_OUT, "", pending, now);
  }

  @Override
  public Future<Session> signIn(Session previous, Role role, String who, long now) {
    Future<Void> ended = previous == null ? Future.succeededFuture() : end(previous);
    return ended.compose(v -> add(role, who, null, now));
  }

  @Override
  public Future<Optional<Session>> find(String id, long now) {
    if (id == null || id.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    String key = key(id);
    return unavailable(values.get(key).compose(text -> {
      if (text == null) {
        return Future.succeededFuture(Optional.empty());
      }
      Session s = decode(id, text, now);
      if (s == null || lifetimes.expired(s, now)) {
        return values.delete(key).map(v -> Optional.<Session>empty());
      }
      if (!s.role.signedIn()) { // a sign-in form lives its fixed time, requests or not
        return Future.succeededFuture(Optional.of(s));
      }
      return values.expire(key, lifetimes.remainingMs(s, now)).map(v -> Optional.of(s));
    }));
  }

  @Override
  public Future<Void> end(Session s) {
    return unavailable(values.delete(key(s.id)));
  }

  @Override
  public long maxAgeSeconds(Session s) {
    return lifetimes.maxAgeSeconds(s);
  }

  private Future<Session> add(Role role, String who, Session.OidcPending pending, long now) {
    Session s = new Session(Sessions.token(random), Sessions.token(random), role, who, now, pending, now);
    return unavailable(values.put(key(s.id), encode(s), lifetimes.remainingMs(s, now)).map(v -> s));
  }

  /** A failure of the shared store, as the console reports it (the cause goes to the log once, here). */
  private static <T> Future<T> unavailable(Future<T> f) {
    return f.recover(e -> {
      LOG.warn("console sessions: the shared store failed: {}", e.toString());
      return Future.failedFuture(new SessionsUnavailable("The console's session store (the cluster's Redis) is"
          + " unreachable; try again shortly."));
    });
  }

  private static String encode(Session s) {
    ObjectNode o = JSON.createObjectNode().put("csrf", s.csrf).put("role", s.role.name()).put("who", s.who)
        .put("created", s.createdAt);
    if (s.pending != null) {
      o.putObject("oidc").put("state", s.pending.state()).put("nonce", s.pending.nonce())
          .put("verifier", s.pending.verifier());
    }
    return o.toString();
  }

  /** The session from its stored form, or null when it is not one (written by something else). */
  private static Session decode(String id, String text, long now) {
    try {
      JsonNode o = JSON.readTree(text);
      JsonNode p = o.path("oidc");
      Session.OidcPending pending = p.isObject() ? new Session.OidcPending(p.path("state").asText(),
          p.path("nonce").asText(), p.path("verifier").asText()) : null;
      // the idle time is Redis's expiry: a record that is still there was used recently enough
      return new Session(id, o.path("csrf").asText(), Role.valueOf(o.path("role").asText()), o.path("who").asText(),
          o.path("created").asLong(), pending, now);
    } catch (Exception e) {
      return null;
    }
  }

  private static String key(String id) {
    return Secrets.sha256(id);
  }
}
