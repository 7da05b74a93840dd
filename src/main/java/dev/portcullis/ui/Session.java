package dev.portcullis.ui;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One browser's console session, kept on the server; the browser holds only its random id in
 * an HttpOnly cookie. The CSRF token travels in every form and must match this session's.
 */
final class Session {
  final String id;
  final String csrf;
  final Role role;
  /** Who signed in through the IdP (e-mail address, else subject); "" for a key, a visitor. */
  final String who;
  final long createdAt;
  /** An OpenID Connect sign-in this visitor started and has not finished, or null. */
  final OidcPending pending;
  private final AtomicLong lastSeen;

  Session(String id, String csrf, Role role, String who, long createdAt, OidcPending pending, long lastSeen) {
    this.id = id;
    this.csrf = csrf;
    this.role = role;
    this.who = who;
    this.createdAt = createdAt;
    this.pending = pending;
    this.lastSeen = new AtomicLong(lastSeen);
  }

  /**
   * What the console remembers between sending a browser to the IdP and its return: the state
   * the answer must carry, the nonce the ID token must carry, and the PKCE code verifier.
   */
  record OidcPending(String state, String nonce, String verifier) {}

  long lastSeen() {
    return lastSeen.get();
  }

  void touch(long now) {
    lastSeen.accumulateAndGet(now, Math::max);
  }
}
