package dev.portcullis.ui;

import io.vertx.core.Future;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The console's sessions in this process's memory (one replica), with a cap on how many exist at once. */
final class LocalSessions implements Sessions {
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> byId = new ConcurrentHashMap<>();
  private final Lifetimes lifetimes;
  private final int max;

  /** @param max how many sessions may exist at once: signed-out ones are dropped first when full */
  LocalSessions(Duration idle, Duration absolute, int max) {
    this.lifetimes = new Lifetimes(idle, absolute);
    this.max = max;
  }

  @Override
  public Future<Session> signedOut(long now, Session.OidcPending pending) {
    Session s = add(Role.SIGNED_OUT, "", pending, now);
    return s == null ? Future.failedFuture(new SessionsUnavailable(
        "The console has too many open sign-in forms; try again shortly.")) : Future.succeededFuture(s);
  }

  @Override
  public Future<Session> signIn(Session previous, Role role, String who, long now) {
    if (previous != null) {
      byId.remove(previous.id);
    }
    return Future.succeededFuture(add(role, who, null, now));
  }

  @Override
  public Future<Optional<Session>> find(String id, long now) {
    if (id == null) {
      return Future.succeededFuture(Optional.empty());
    }
    Session s = byId.get(id);
    if (s == null) {
      return Future.succeededFuture(Optional.empty());
    }
    if (lifetimes.expired(s, now)) {
      byId.remove(id, s);
      return Future.succeededFuture(Optional.empty());
    }
    s.touch(now);
    return Future.succeededFuture(Optional.of(s));
  }

  @Override
  public Future<Void> end(Session s) {
    byId.remove(s.id, s);
    return Future.succeededFuture();
  }

  @Override
  public long maxAgeSeconds(Session s) {
    return lifetimes.maxAgeSeconds(s);
  }

  int size() {
    return byId.size();
  }

  /** The new session, or null when the cap leaves no room for a visitor. */
  private Session add(Role role, String who, Session.OidcPending pending, long now) {
    if (byId.size() >= max) {
      byId.values().removeIf(s -> lifetimes.expired(s, now));
    }
    if (byId.size() >= max) {
      // a flood of sign-in forms must not push signed-in operators out: their sessions stay
      byId.values().removeIf(s -> !s.role.signedIn());
    }
    if (byId.size() >= max && !role.signedIn()) {
      return null;
    }
    Session s = new Session(Sessions.token(random), Sessions.token(random), role, who, now, pending, now);
    byId.put(s.id, s);
    return s;
  }
}
