package dev.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.store.PostgresServer;
import dev.portcullis.store.Store;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import dev.portcullis.testing.Cli;
import dev.portcullis.testing.Cli.Run;

/**
 * The keyed, anchored audit chain, attacked the way an insider with write access to the database
 * (but not the keys) would: events are written through the gateway (LLM calls and MCP tool
 * calls), its checkpoints land in the JSON-lines export, then the database is edited with JDBC
 * and {@code portcullis audit verify --against audit.jsonl} must notice every edit.
 */
class AuditAnchorTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ADMIN = "anchor-admin";

  /** One copy of the trail to tamper with: its JDBC URL and a configuration pointing at it. */
  record Trail(String url, Path config) {}

  /** The CLI's exit code and what it printed. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "postgresql"})
  void tamperingBehindTheGatewaysBackIsDetectedAgainstTheCheckpoints(String engine) throws Exception {
    Path dir = Files.createTempDirectory("audit-anchor");
    boolean sqlite = engine.equals("sqlite");
    String url = sqlite ? "jdbc:sqlite:" + dir.resolve("trail.db") : PostgresServer.get().newDatabase();
    // SQLite: no keys configured, so the gateway creates them beside the database file;
    // PostgreSQL needs them set (every replica must share them): files here, created on first start
    String keys = sqlite ? "" : """
          chain_key: "file:%s"
          checkpoints: { signing_key: "file:%s", every_events: 4 }
        """.formatted(dir.resolve("chain.key"), dir.resolve("checkpoint.jwk"));
    String template = """
        clients: { keys: [test-key] }
        models:
          demo:
            deployments:
              - type: demo
        mcp:
          servers:
            demo: { type: builtin }
        store: { url: "%s" }
        admin: { key: %s }
        audit:
          flush_ms: 50
          file: { path: "%s" }
        %s""";
    String checkpointsEvery4 = sqlite ? "  checkpoints: { every_events: 4 }\n" : keys;
    Path export = dir.resolve("audit.jsonl");
    String yaml = template.formatted("%s", ADMIN, export, checkpointsEvery4);
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, yaml.formatted(url));

    try (GatewayHarness gw = GatewayHarness.start(yaml.formatted(url))) {
      for (int i = 0; i < 6; i++) {
        assertThat(gw.post("/v1/chat/completions", "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hello " + i + "\"}]}").statusCode()).isEqualTo(200);
      }
      McpTestClient mcp = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
      mcp.initialize("2025-11-25");
      for (int i = 0; i < 3; i++) {
        assertThat(mcp.result("tools/call", "{\"name\":\"demo__echo\",\"arguments\":{\"text\":\"t" + i + "\"}}")
            .toString()).contains("t" + i);
      }
      assertThat(gw.post("/v1/chat/completions", "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\","
          + "\"content\":\"last\"}]}").statusCode()).isEqualTo(200);
      gw.gateway().flushAudit();
      // the copies in the store, with the key auditors verify them with
      JsonNode stored = admin(gw, "/admin/audit/checkpoints");
      assertThat(stored.get("data").size()).isPositive();
      assertThat(stored.get("data").get(0).get("kid").asText()).isEqualTo(stored.get("public_key").get("kid").asText());
      assertThat(stored.get("public_key").has("d")).isFalse(); // never the private half
      assertThat(admin(gw, "/admin/audit/verify").get("ok").asBoolean()).isTrue();
    } // stopping checkpoints the head
    if (sqlite) {
      for (String key : List.of("audit-chain.key", "audit-checkpoint.jwk")) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(key))))
            .isEqualTo("rw-------");
      }
    }
    long head = head(url);
    assertThat(head).isEqualTo(13); // 7 LLM calls, 3 tool calls of two events each
    List<String> lines = Files.readAllLines(export);
    assertThat(lines).anyMatch(l -> l.contains("\"type\":\"checkpoint\"") && l.contains("\"seq\":" + head));
    assertThat(lines.stream().filter(l -> l.contains("\"type\":\"checkpoint\"")).count()).isGreaterThanOrEqualTo(3);
    assertThat(lines).filteredOn(l -> !l.contains("\"type\":\"checkpoint\"")).hasSize(13)
        .allMatch(l -> l.contains("\"chain\":\"hmac-sha256:"));

    // untouched: intact, every checkpoint matches
    Run ok = verify(config, "--against", export.toString());
    assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
    assertThat(ok.out()).contains("13 events, keyed hash chain intact up to event 13").contains("all match");
    JsonNode okJson = JSON.readTree(verify(config, "--against", export.toString(), "--json").out());
    assertThat(okJson.get("ok").asBoolean()).isTrue();
    assertThat(okJson.at("/checkpoints/latest_seq").asLong()).isEqualTo(13);
    assertThat(okJson.get("unkeyed_events").asLong()).isZero();

    int copies = 0;
    // (1) cut off the tail and move the head back: the chain alone cannot tell
    Trail cut = copy(engine, url, dir, yaml, ++copies);
    sql(cut.url(), "DELETE FROM audit_events WHERE seq > 10");
    sql(cut.url(), "UPDATE audit_head SET seq = 10, hash = (SELECT hash FROM audit_events WHERE seq = 10) WHERE id = 1");
    assertThat(verify(cut.config()).exit()).isZero();
    Run truncated = verify(cut.config(), "--against", export.toString());
    assertThat(truncated.exit()).as(truncated.out()).isEqualTo(1);
    assertThat(truncated.out()).contains("past the end of the trail, event 10: events 11..13 were removed");
    JsonNode truncatedJson = JSON.readTree(verify(cut.config(), "--against", export.toString(), "--json").out());
    assertThat(truncatedJson.get("ok").asBoolean()).isFalse();
    assertThat(truncatedJson.at("/checkpoints/problems").size()).isPositive();

    // ... nor can a checkpoint the attacker signed with a key of their own vouch for the shorter trail
    Path forged = dir.resolve("forged.jsonl");
    Files.copy(export, forged);
    CheckpointSigner theirs = CheckpointSigner.fromJwk(CheckpointSigner.generateJwk());
    Files.writeString(forged, AuditJson.line(theirs.sign(10, hashAt(cut.url(), 10), System.currentTimeMillis()))
        + "\n", java.nio.file.StandardOpenOption.APPEND);
    Run forgedRun = verify(cut.config(), "--against", forged.toString());
    assertThat(forgedRun.exit()).isEqualTo(1);
    assertThat(forgedRun.out()).contains("is not genuine: its signature does not verify")
        .contains("is neither audit.checkpoints.signing_key");

    // (2) rewrite an event and rebuild the whole chain with plain SHA-256, head included
    Trail plain = copy(engine, url, dir, yaml, ++copies);
    sql(plain.url(), "UPDATE audit_events SET principal = 'someone-else' WHERE seq = 5");
    rechain(plain.url(), 1, ChainDigest.legacy());
    Run plainChain = verify(plain.config());
    assertThat(plainChain.exit()).isZero(); // looks like a trail from before the chain was keyed...
    assertThat(plainChain.out()).contains("the first 13 events were chained before the chain was keyed");
    Run plainAnchored = verify(plain.config(), "--against", export.toString());
    assertThat(plainAnchored.exit()).isEqualTo(1); // ...but no checkpoint matches it
    assertThat(plainAnchored.out()).contains("event 13 is not the event checkpointed at");

    // ... or from the rewritten event on only (downgrading the keyed events after it)
    Trail downgraded = copy(engine, url, dir, yaml, ++copies);
    sql(downgraded.url(), "UPDATE audit_events SET principal = 'someone-else' WHERE seq = 5");
    rechain(downgraded.url(), 5, ChainDigest.legacy());
    Run down = verify(downgraded.config(), "--against", export.toString());
    assertThat(down.exit()).isEqualTo(1);
    assertThat(down.out()).contains("BROKEN at event 5").contains("plain SHA-256 after keyed events");

    // ... and with a key that is not the gateway's
    Trail wrongKey = copy(engine, url, dir, yaml, ++copies);
    sql(wrongKey.url(), "UPDATE audit_events SET principal = 'someone-else' WHERE seq = 5");
    rechain(wrongKey.url(), 1, ChainDigest.keyed(ChainKey.of("an-attackers-own-key-0123456789abcdef")));
    Run wrong = verify(wrongKey.config(), "--against", export.toString());
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.out()).contains("BROKEN at event 1").contains("which no configured key made")
        .contains("event 13 is not the event checkpointed at");

    // (3) delete an event in the middle
    Trail hole = copy(engine, url, dir, yaml, ++copies);
    sql(hole.url(), "DELETE FROM audit_events WHERE seq = 6");
    Run holeRun = verify(hole.config(), "--against", export.toString());
    assertThat(holeRun.exit()).isEqualTo(1);
    assertThat(holeRun.out()).contains("BROKEN at event 6: event 6 is missing (next is 7)");

    // (4) swap two events (reordering), keeping their MACs
    Trail swapped = copy(engine, url, dir, yaml, ++copies);
    sql(swapped.url(), "UPDATE audit_events SET seq = -1 WHERE seq = 3");
    sql(swapped.url(), "UPDATE audit_events SET seq = 3 WHERE seq = 4");
    sql(swapped.url(), "UPDATE audit_events SET seq = 4 WHERE seq = -1");
    Run swappedRun = verify(swapped.config(), "--against", export.toString());
    assertThat(swappedRun.exit()).isEqualTo(1);
    assertThat(swappedRun.out()).contains("BROKEN at event 3");

    // without its key the trail cannot be checked, and the gateway will not replace a lost key
    if (sqlite) {
      Files.move(dir.resolve("audit-chain.key"), dir.resolve("moved.key"));
      Run noKey = verify(config);
      assertThat(noKey.exit()).isEqualTo(2);
      assertThat(noKey.err()).contains("audit-chain.key does not exist").contains("restore it");
      assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> GatewayHarness.start(yaml.formatted(url))))
          .isInstanceOf(AuditKeyException.class).hasMessageContaining("restore it");
      assertThat(dir.resolve("audit-chain.key")).doesNotExist();
    }
  }

  /** Rows written before the chain was keyed (plain SHA-256) keep verifying, and keyed rows follow them. */
  @Test
  void eventsChainedBeforeTheKeyKeepVerifying() throws Exception {
    Path dir = Files.createTempDirectory("audit-legacy");
    String url = "jdbc:sqlite:" + dir.resolve("old.db");
    Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").target("15").load().migrate();
    String prev = AuditEvent.GENESIS;
    try (Connection c = DriverManager.getConnection(url)) {
      for (int i = 1; i <= 3; i++) { // as the unkeyed chain wrote them (the schema has no chain column yet)
        AuditEvent e = AuditEvent.builder("old-" + i, "call", "llm").ts(1_700_000_000_000L + i).action("chat_completions")
            .build().chained(i, prev, ChainDigest.legacy());
        try (PreparedStatement p = c.prepareStatement("INSERT INTO audit_events (seq, id, ts, phase, surface, action, "
            + "decision, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)")) {
          p.setLong(1, i);
          p.setString(2, e.id());
          p.setLong(3, e.ts());
          p.setString(4, e.phase());
          p.setString(5, e.surface());
          p.setString(6, e.action());
          p.setString(7, e.decision());
          p.setString(8, e.prevHash());
          p.setString(9, e.hash());
          p.executeUpdate();
        }
        prev = e.hash();
      }
      try (PreparedStatement p = c.prepareStatement("UPDATE audit_head SET seq = 3, hash = ? WHERE id = 1")) {
        p.setString(1, prev);
        p.executeUpdate();
      }
    }
    Path export = dir.resolve("audit.jsonl");
    String yaml = """
        clients: { keys: [test-key] }
        models:
          demo:
            deployments:
              - type: demo
        store: { url: "%s" }
        audit:
          flush_ms: 50
          chain_key: "file:%s"
          file: { path: "%s" }
        """.formatted(url, dir.resolve("chain.key"), export);
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, yaml);
    try (GatewayHarness gw = GatewayHarness.start(yaml)) { // migrates the old rows to 'sha256'
      for (int i = 0; i < 2; i++) {
        assertThat(gw.post("/v1/chat/completions", "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
      }
    }
    Run run = verify(config, "--against", export.toString());
    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("5 events, keyed hash chain intact up to event 5")
        .contains("the first 3 events were chained before the chain was keyed");
    sql(url, "UPDATE audit_events SET action = 'embeddings' WHERE seq = 2"); // old rows stay tamper-evident
    assertThat(verify(config).out()).contains("BROKEN at event 2: event 2 was changed after it was written");
  }

  /** Both keys rotate: old events verify with the previous chain key, old checkpoints with the previous public key. */
  @Test
  void keysRotateWithoutBreakingTheChain() throws Exception {
    Path dir = Files.createTempDirectory("audit-rotate");
    String url = "jdbc:sqlite:" + dir.resolve("r.db");
    Path export = dir.resolve("audit.jsonl");
    String oldKey = "old-chain-key-0123456789abcdef0123456789";
    String newKey = "new-chain-key-0123456789abcdef0123456789";
    String template = """
        clients: { keys: [test-key] }
        models: { demo: { deployments: [ { type: demo } ] } }
        store: { url: "%s" }
        audit:
          flush_ms: 50
          file: { path: "%s" }
          chain_key: "%s"
          previous_chain_keys: [%s]
          checkpoints: { every_events: 2, signing_key: "file:%s", previous_public_keys: [%s] }
        """;
    String before = template.formatted(url, export, oldKey, "", dir.resolve("old.jwk"), "");
    chat(before, 3);
    Path beforeConfig = dir.resolve("before.yaml");
    Files.writeString(beforeConfig, before);
    Run oldPublic = cli("audit", "public-key", "--config", beforeConfig.toString());
    assertThat(oldPublic.exit()).isZero();
    assertThat(JSON.readTree(oldPublic.out()).has("d")).isFalse();
    Files.writeString(dir.resolve("old.pub.jwk"), oldPublic.out());
    Run newJwk = cli("audit", "keygen", "checkpoint"); // a keyed trail gets no key made up for it: bring one
    assertThat(newJwk.exit()).isZero();
    Files.writeString(dir.resolve("new.jwk"), newJwk.out());
    assertThat(cli("audit", "keygen", "chain").out().trim()).hasSize(44);
    String after = template.formatted(url, export, newKey, "\"" + oldKey + "\"", dir.resolve("new.jwk"),
        "\"file:" + dir.resolve("old.pub.jwk") + "\"");
    chat(after, 3);
    Path config = dir.resolve("after.yaml");
    Files.writeString(config, after);
    Run run = verify(config, "--against", export.toString());
    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("6 events, keyed hash chain intact up to event 6").contains("all match");

    Path forgetful = dir.resolve("forgetful.yaml");
    Files.writeString(forgetful, template.formatted(url, export, newKey, "", dir.resolve("new.jwk"), ""));
    Run without = verify(forgetful, "--against", export.toString());
    assertThat(without.exit()).isEqualTo(1);
    assertThat(without.out()).contains("BROKEN at event 1").contains("which no configured key made")
        .contains("neither audit.checkpoints.signing_key nor one of previous_public_keys");
  }

  static void chat(String yaml, int calls) throws Exception {
    try (GatewayHarness gw = GatewayHarness.start(yaml)) {
      for (int i = 0; i < calls; i++) {
        assertThat(gw.post("/v1/chat/completions", "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
      }
    }
  }

  /** A configuration that cannot work is refused before anything starts. */
  @Test
  void aPostgresStoreNeedsItsKeysSetAndShortKeysAreRefused() throws Exception {
    Path dir = Files.createTempDirectory("audit-keys-config");
    Path config = dir.resolve("pg.yaml");
    Files.writeString(config, """
        models: { demo: { deployments: [ { type: demo } ] } }
        store: { url: "jdbc:postgresql://127.0.0.1:1/x" }
        """);
    Run pg = cli("config", "check", config.toString());
    assertThat(pg.exit()).isEqualTo(2);
    assertThat(pg.err()).contains("audit.chain_key: required with a PostgreSQL store")
        .contains("audit.checkpoints.signing_key: required with a PostgreSQL store");
    Files.writeString(config, """
        models: { demo: { deployments: [ { type: demo } ] } }
        store: { url: "jdbc:sqlite:%s/x.db" }
        audit: { chain_key: "short", checkpoints: { every_events: 0 } }
        """.formatted(dir));
    Run shortKey = cli("config", "check", config.toString());
    assertThat(shortKey.exit()).isEqualTo(2);
    assertThat(shortKey.err()).contains("audit.chain_key: too short")
        .contains("audit.checkpoints.every_events: must be positive");
  }

  /** A copy of the untouched trail (a file copy, or a PostgreSQL database made from it as a template). */
  static Trail copy(String engine, String url, Path dir, String yaml, int n) throws Exception {
    String copy;
    if (engine.equals("sqlite")) {
      Path db = dir.resolve("copy-" + n + ".db");
      Files.copy(Path.of(url.substring("jdbc:sqlite:".length())), db, StandardCopyOption.REPLACE_EXISTING);
      copy = "jdbc:sqlite:" + db;
    } else {
      String db = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
      String server = url.substring(0, url.lastIndexOf('/') + 1);
      try (Connection c = DriverManager.getConnection(server + "postgres" + url.substring(url.indexOf('?')));
          Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + db + "_copy" + n + " TEMPLATE " + db);
      }
      copy = server + db + "_copy" + n + url.substring(url.indexOf('?'));
    }
    Path config = dir.resolve("copy-" + n + ".yaml");
    Files.writeString(config, yaml.formatted(copy));
    return new Trail(copy, config);
  }

  /** Recomputes the chain from event {@code from} on with {@code digest}, and moves the head along: what an attacker would do. */
  static void rechain(String url, long from, ChainDigest digest) throws Exception {
    try (Store store = Store.open(new GatewayConfig.StoreConfig(url, null, null, null, null, null, null))) {
      List<AuditEvent> events = new ArrayList<>();
      new AuditRepository(store.dataSource(), store.sqlite()).scan(events::add);
      String prev = from == 1 ? AuditEvent.GENESIS : events.get((int) from - 2).hash();
      try (Connection c = store.dataSource().getConnection()) {
        for (AuditEvent e : events.subList((int) from - 1, events.size())) {
          AuditEvent forged = e.chained(e.seq(), prev, digest);
          try (PreparedStatement p = c.prepareStatement(
              "UPDATE audit_events SET chain = ?, prev_hash = ?, hash = ? WHERE seq = ?")) {
            p.setString(1, forged.chain());
            p.setString(2, forged.prevHash());
            p.setString(3, forged.hash());
            p.setLong(4, forged.seq());
            p.executeUpdate();
          }
          prev = forged.hash();
        }
        try (PreparedStatement p = c.prepareStatement("UPDATE audit_head SET hash = ? WHERE id = 1")) {
          p.setString(1, prev);
          p.executeUpdate();
        }
      }
    }
  }

  static void sql(String url, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }

  static long head(String url) throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        var r = s.executeQuery("SELECT seq FROM audit_head WHERE id = 1")) {
      r.next();
      return r.getLong(1);
    }
  }

  static String hashAt(String url, long seq) throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        var r = s.executeQuery("SELECT hash FROM audit_events WHERE seq = " + seq)) {
      r.next();
      return r.getString(1);
    }
  }

  static JsonNode admin(GatewayHarness gw, String path) throws Exception {
    var r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("authorization", "Bearer " + ADMIN).GET().build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static Run verify(Path config, String... more) {
    List<String> args = new ArrayList<>(List.of("audit", "verify", "--config", config.toString()));
    args.addAll(List.of(more));
    return cli(args.toArray(String[]::new));
  }

  static synchronized Run cli(String... args) {
    return Cli.run(args);
  }
}
