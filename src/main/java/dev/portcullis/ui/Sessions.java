package dev.portcullis.ui;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Where the console keeps its sessions: in this process ({@link LocalSessions}) or, with
 * {@code cluster:} configured, in Redis ({@link SharedSessions}) so that any replica behind a load
 * balancer honours a session and a sign-out anywhere ends it everywhere. Ids and CSRF tokens are
 * 256 random bits each; sign-in always makes a new session (a new id), so an id planted before
 * sign-in is worth nothing.
 */
interface Sessions {
  /** Sessions of visitors who have not signed in yet last only as long as a sign-in form should. */
  Duration SIGNED_OUT_LIFETIME = Duration.ofMinutes(15);

  /** A new session for a visitor who has not signed in: the sign-in form's CSRF token, an OpenID Connect sign-in under way (or null). */
  Future<Session> signedOut(long now, Session.OidcPending pending);

  /** Ends {@code previous} (if any) and starts a signed-in session under a new id. */
  Future<Session> signIn(Session previous, Role role, String who, long now);

  /** The live session with this id, its idle time restarted; empty when unknown or expired. */
  Future<Optional<Session>> find(String id, long now);

  Future<Void> end(Session s);

  /** Seconds until the session ends at the latest (the cookie's Max-Age). */
  long maxAgeSeconds(Session s);

  /** Whether {@code presented} is this session's CSRF token (compared in constant time). */
  static boolean csrfMatches(Session s, String presented) {
    return presented != null && MessageDigest.isEqual(s.csrf.getBytes(StandardCharsets.US_ASCII),
        presented.getBytes(StandardCharsets.UTF_8));
  }

  /** 256 random bits, URL-safe. */
  static String token(SecureRandom random) {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** When sessions end: {@code idle} after the last request or {@code absolute} after sign-in, whichever is first. */
  record Lifetimes(long idleMs, long absoluteMs) {
    Lifetimes(Duration idle, Duration absolute) {
      this(idle.toMillis(), absolute.toMillis());
    }

    boolean expired(Session s, long now) {
      return remainingMs(s, now) <= 0;
    }

    /** How long the session lives from now if no request comes. */
    long remainingMs(Session s, long now) {
      if (!s.role.signedIn()) {
        return s.createdAt + SIGNED_OUT_LIFETIME.toMillis() - now;
      }
      return Math.min(s.lastSeen() + idleMs, s.createdAt + absoluteMs) - now;
    }

    long maxAgeSeconds(Session s) {
      return (s.role.signedIn() ? absoluteMs : SIGNED_OUT_LIFETIME.toMillis()) / 1000;
    }
  }
}
