package dev.portcullis.ui;

import static dev.portcullis.ui.ConsoleClient.form;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.cluster.ExternalProcess;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Console sessions with {@code cluster:} configured: two replicas on one redis-server, as behind a
 * load balancer without sticky sessions. A session made on one is honoured by the other (its CSRF
 * token too), a sign-out on either ends it on both, and a stopped Redis is a clear 503, not a
 * signed-out console or a stack trace.
 */
@DisabledOnOs(OS.WINDOWS)
class ConsoleClusterTest {
  static final String ADMIN = "console-cluster-admin-key";
  static int redisPort;
  static ExternalProcess redis;
  static GatewayHarness a;
  static GatewayHarness b;

  @BeforeAll
  static void start() throws Exception {
    String server = ExternalProcess.require("redis-server", "redis-server");
    redisPort = NodeSupport.freePort();
    redis = redis(server);
    a = replica();
    b = replica();
  }

  private static ExternalProcess redis(String server) throws Exception {
    return ExternalProcess.start("redis-server", new ProcessBuilder(server, "--port", String.valueOf(redisPort),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")).awaitPort(redisPort);
  }

  private static GatewayHarness replica() throws Exception {
    var dir = Files.createTempDirectory("portcullis-console-cluster");
    return GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
        store:
          url: jdbc:sqlite:%s/p.db
        admin:
          key: %s
        cluster:
          redis: { url: "redis://127.0.0.1:%d", reconnect_ms: 100 }
          fail: open
        """.formatted(dir, ADMIN, redisPort));
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {a, b, redis}) {
      if (c != null) {
        c.close();
      }
    }
  }

  /** The same browser (cookie) talking to another replica, as a round-robin load balancer sends it. */
  private static ConsoleClient on(GatewayHarness replica, ConsoleClient browser) {
    ConsoleClient c = new ConsoleClient(replica.baseUrl());
    c.cookie = browser.cookie;
    return c;
  }

  @Test
  void aSessionMadeOnOneReplicaIsHonouredOnTheOtherAndASignOutOnEitherEndsIt() throws Exception {
    ConsoleClient onA = new ConsoleClient(a.baseUrl());
    assertThat(onA.signIn(ADMIN).statusCode()).isEqualTo(303);
    ConsoleClient onB = on(b, onA);
    HttpResponse<String> keys = onB.get("/ui/keys");
    assertThat(keys.statusCode()).isEqualTo(200);
    // a change posted to B with the form A rendered: the same session, the same CSRF token
    String csrf = ConsoleClient.csrf(onA.get("/ui/keys").body());
    HttpResponse<String> created = onB.post("/ui/keys", form("csrf", csrf, "name", "made-through-b"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.body()).contains("made-through-b");

    assertThat(onB.post("/ui/logout", form("csrf", csrf)).statusCode()).isEqualTo(303);
    HttpResponse<String> afterOnA = on(a, onA).get("/ui/keys");
    assertThat(afterOnA.statusCode()).isEqualTo(303);
    assertThat(afterOnA.headers().firstValue("location")).hasValue("/ui/login");

    // and the other way round: signed in through B, signed out through A
    ConsoleClient second = new ConsoleClient(b.baseUrl());
    second.signIn(ADMIN);
    assertThat(on(a, second).get("/ui/overview").statusCode()).isEqualTo(200);
    String csrf2 = ConsoleClient.csrf(second.get("/ui/overview").body());
    assertThat(on(a, second).post("/ui/logout", form("csrf", csrf2)).statusCode()).isEqualTo(303);
    assertThat(second.get("/ui/overview").headers().firstValue("location")).hasValue("/ui/login");
  }

  @Test
  void aSignInFormFromOneReplicaSignsInOnTheOtherUnderANewId() throws Exception {
    ConsoleClient onA = new ConsoleClient(a.baseUrl());
    String csrf = ConsoleClient.csrf(onA.get("/ui/login").body());
    String visitor = onA.cookie;
    ConsoleClient onB = on(b, onA);
    assertThat(onB.post("/ui/login", form("csrf", csrf, "key", ADMIN)).statusCode()).isEqualTo(303);
    assertThat(onB.cookie).isNotEqualTo(visitor);
    ConsoleClient planted = new ConsoleClient(a.baseUrl());
    planted.cookie = visitor; // the visitor id stays signed out on every replica
    assertThat(planted.get("/ui/keys").headers().firstValue("location")).hasValue("/ui/login");
    assertThat(on(a, onB).get("/ui/keys").statusCode()).isEqualTo(200);
  }

  @Test
  void whileRedisIsAwayTheConsoleSaysSoAndWorksAgainWhenItReturns() throws Exception {
    ConsoleClient onA = new ConsoleClient(a.baseUrl());
    onA.signIn(ADMIN);
    redis.close();
    try {
      HttpResponse<String> away = onA.get("/ui/keys");
      assertThat(away.statusCode()).isEqualTo(503);
      assertThat(away.body()).contains("session store").doesNotContain("Exception");
    } finally {
      redis = redis(ExternalProcess.require("redis-server", "redis-server"));
    }
    // Redis came back empty: the session is gone, signing in again works
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(new ConsoleClient(a.baseUrl()).signIn(ADMIN).statusCode()).isEqualTo(303));
    assertThat(onA.get("/ui/keys").headers().firstValue("location")).hasValue("/ui/login");
  }
}
