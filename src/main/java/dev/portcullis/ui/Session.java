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
  final long createdAt;
  private final AtomicLong lastSeen;

  Session(String id, String csrf, Role role, long now) {
    this.id = id;
    this.csrf = csrf;
    this.role = role;
    this.createdAt = now;
    this.lastSeen = new AtomicLong(now);
  }

  long lastSeen() {
    return lastSeen.get();
  }

  void touch(long now) {
    lastSeen.accumulateAndGet(now, Math::max);
  }
}
