package dev.portcullis.ui;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The console's sessions, in memory: ids and CSRF tokens are 256 random bits each. A session ends
 * after {@code idle} without a request or {@code absolute} after it began, whichever is first.
 * Sign-in always makes a new session (a new id), so an id planted before sign-in is worth nothing.
 */
final class Sessions {
  /** Sessions of visitors who have not signed in yet last only as long as a sign-in form should. */
  static final Duration SIGNED_OUT_LIFETIME = Duration.ofMinutes(15);

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> byId = new ConcurrentHashMap<>();
  private final long idleMs;
  private final long absoluteMs;
  private final int max;

  /** @param max how many sessions may exist at once: signed-out ones are dropped first when full */
  Sessions(Duration idle, Duration absolute, int max) {
    this.idleMs = idle.toMillis();
    this.absoluteMs = absolute.toMillis();
    this.max = max;
  }

  /** A new session for a visitor who has not signed in: it carries the sign-in form's CSRF token. */
  Session signedOut(long now) {
    return add(Role.SIGNED_OUT, now);
  }

  /** Ends {@code previous} (if any) and starts a signed-in session under a new id. */
  Session signIn(Session previous, Role role, long now) {
    if (previous != null) {
      byId.remove(previous.id);
    }
    return add(role, now);
  }

  /** The live session with this id, touched; empty when unknown or expired (an expired one is removed). */
  Optional<Session> find(String id, long now) {
    if (id == null) {
      return Optional.empty();
    }
    Session s = byId.get(id);
    if (s == null) {
      return Optional.empty();
    }
    if (expired(s, now)) {
      byId.remove(id, s);
      return Optional.empty();
    }
    s.touch(now);
    return Optional.of(s);
  }

  void end(Session s) {
    byId.remove(s.id, s);
  }

  /** Whether {@code presented} is this session's CSRF token (compared in constant time). */
  static boolean csrfMatches(Session s, String presented) {
    return presented != null && MessageDigest.isEqual(s.csrf.getBytes(StandardCharsets.US_ASCII),
        presented.getBytes(StandardCharsets.UTF_8));
  }

  /** Seconds until the session ends at the latest (the cookie's Max-Age). */
  long maxAgeSeconds(Session s) {
    return (s.role.signedIn() ? absoluteMs : SIGNED_OUT_LIFETIME.toMillis()) / 1000;
  }

  int size() {
    return byId.size();
  }

  private Session add(Role role, long now) {
    if (byId.size() >= max) {
      byId.values().removeIf(s -> expired(s, now));
    }
    if (byId.size() >= max) {
      // a flood of sign-in forms must not push signed-in operators out: their sessions stay
      byId.values().removeIf(s -> !s.role.signedIn());
    }
    if (byId.size() >= max && !role.signedIn()) {
      throw new IllegalStateException("too many console sessions");
    }
    Session s = new Session(token(), token(), role, now);
    byId.put(s.id, s);
    return s;
  }

  private boolean expired(Session s, long now) {
    if (!s.role.signedIn()) {
      return now - s.createdAt >= SIGNED_OUT_LIFETIME.toMillis();
    }
    return now - s.lastSeen() >= idleMs || now - s.createdAt >= absoluteMs;
  }

  private String token() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
