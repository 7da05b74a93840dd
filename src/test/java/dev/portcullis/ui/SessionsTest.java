package dev.portcullis.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Session expiry, rotation and caps, and the console's rate limit, on a clock the test holds. */
class SessionsTest {
  static final long MIN = 60_000;

  @Test
  void aSessionEndsWhenIdleOrTooOldWhicheverIsFirst() {
    LocalSessions s = new LocalSessions(Duration.ofMinutes(30), Duration.ofHours(2), 100);
    Session a = s.signIn(null, Role.ADMIN, "", 0).result();
    assertThat(s.find(a.id, 29 * MIN).result()).isPresent();
    assertThat(s.find(a.id, 58 * MIN).result()).isPresent(); // each request restarts the idle time
    assertThat(s.find(a.id, 89 * MIN).result()).isEmpty();
    Session b = s.signIn(null, Role.ADMIN, "", 0).result();
    for (long t = 20 * MIN; t < 120 * MIN; t += 20 * MIN) {
      assertThat(s.find(b.id, t).result()).isPresent();
    }
    assertThat(s.find(b.id, 120 * MIN).result()).isEmpty(); // busy or not, two hours is the end
  }

  @Test
  void signInReplacesTheVisitorSessionWithANewIdAndToken() {
    LocalSessions s = new LocalSessions(Duration.ofMinutes(30), Duration.ofHours(2), 100);
    Session visitor = s.signedOut(0, null).result();
    Session admin = s.signIn(visitor, Role.ADMIN, "", 1).result();
    assertThat(admin.id).isNotEqualTo(visitor.id);
    assertThat(admin.csrf).isNotEqualTo(visitor.csrf);
    assertThat(s.find(visitor.id, 2).result()).isEmpty();
    assertThat(Sessions.csrfMatches(admin, visitor.csrf)).isFalse();
    assertThat(Sessions.csrfMatches(admin, admin.csrf)).isTrue();
    assertThat(Sessions.csrfMatches(admin, null)).isFalse();
  }

  @Test
  void aFloodOfSignInFormsDoesNotPushOutSignedInOperators() {
    LocalSessions s = new LocalSessions(Duration.ofMinutes(30), Duration.ofHours(2), 3);
    Session admin = s.signIn(null, Role.ADMIN, "", 0).result();
    s.signedOut(0, null);
    s.signedOut(0, null);
    s.signedOut(0, null); // full: the visitors' sessions go, the operator's stays
    assertThat(s.find(admin.id, 1).result()).isPresent();
    s.signIn(null, Role.ADMIN, "", 1).result();
    s.signIn(null, Role.ADMIN, "", 1).result();
    assertThat(s.signedOut(2, null).cause()).isInstanceOf(SessionsUnavailable.class)
        .hasMessageContaining("too many open sign-in forms");
    assertThat(s.size()).isEqualTo(3);
  }

  @Test
  void theRateLimitCountsPerAddressAndMinute() {
    RateLimit limit = new RateLimit(3);
    for (int i = 0; i < 3; i++) {
      assertThat(limit.allow("10.0.0.1", 1_000)).isTrue();
    }
    assertThat(limit.allow("10.0.0.1", 2_000)).isFalse();
    assertThat(limit.allow("10.0.0.2", 2_000)).isTrue(); // another address has its own allowance
    assertThat(limit.retryAfterSeconds(2_000)).isEqualTo(58);
    assertThat(limit.allow("10.0.0.1", 60_000)).isTrue(); // a new minute
  }
}
