package dev.portcullis.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.audit.ChainKey;
import dev.portcullis.config.GatewayConfig.StoreConfig;
import dev.portcullis.identity.KeySecrets;
import dev.portcullis.identity.Team;
import dev.portcullis.identity.VirtualKey;
import dev.portcullis.limits.BudgetLedger;
import dev.portcullis.limits.Period;
import dev.portcullis.limits.UsageRecord;
import dev.portcullis.mcp.aggregate.ToolPins;
import java.nio.file.Files;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The same store behaviour against SQLite and a real PostgreSQL server. */
class StoreTest {
  static Stream<String> engines() {
    return Stream.of("sqlite", "postgresql");
  }

  static Store open(String engine) throws Exception {
    String url = engine.equals("sqlite")
        ? "jdbc:sqlite:" + Files.createTempDirectory("portcullis-store").resolve("p.db")
        : PostgresServer.get().newDatabase();
    return Store.open(new StoreConfig(url, null, null, 2, null, null, null));
  }

  @ParameterizedTest
  @MethodSource("engines")
  void keysAndTeamsRoundTrip(String engine) throws Exception {
    try (Store store = open(engine)) {
      long now = System.currentTimeMillis();
      Team team = new Team("team_1", "eng", 5_000_000_000L, "month", Map.of("cost_center", "42"), now);
      store.keys().insertTeam(team);
      String secret = KeySecrets.newSecret();
      VirtualKey k = new VirtualKey("key_1", "team-a", KeySecrets.hash(secret), KeySecrets.displayPrefix(secret),
          "team_1", "alice", List.of("gpt-4o", "demo*"), 60, 100_000L, 4, 25_000_000_000L, "month",
          now + 86_400_000L, Map.of("env", "dev"), false, now, now);
      store.keys().insert(k);
      assertThat(store.keys().find("team-a")).contains(k);
      assertThat(store.keys().find("key_1")).contains(k);
      assertThat(store.keys().findTeam("eng")).contains(team);

      VirtualKey off = k.withDisabled(true, now + 1);
      assertThat(store.keys().update(off)).isTrue();
      assertThat(store.keys().list()).containsExactly(off);
      assertThatThrownBy(() -> store.keys().insert(new VirtualKey("key_2", "team-a", "h2", "pk-x", null, null,
          null, null, null, null, null, null, null, null, false, now, now)))
          .isInstanceOf(StoreException.class).hasMessageContaining("already exists");
      assertThat(store.keys().delete("key_1")).isTrue();
      assertThat(store.keys().list()).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void usageBatchesFeedSpendAndReports(String engine) throws Exception {
    try (Store store = open(engine)) {
      long today = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      long yesterday = today - 86_400_000L;
      List<UsageRecord> batch = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        long ts = (i % 3 == 0 ? yesterday : today) + 1000 + i;
        String key = i % 2 == 0 ? "key_a" : "key_b";
        batch.add(new UsageRecord("req_" + i, ts, key, "team_1", i % 5 == 0 ? "gpt-4o" : "demo", "demo-1",
            "demo", "chat_completions", i % 4 == 0, 200, "ok", 10, 5, 2, 1, false, 1_000L, 3));
      }
      store.usage().insert(batch.subList(0, 10));
      store.usage().insert(batch.subList(10, 30));
      assertThat(store.usage().count()).isEqualTo(30);

      long now = System.currentTimeMillis();
      List<BudgetLedger.SpendRow> spend = store.usage().currentSpend(now);
      BudgetLedger ledger = new BudgetLedger();
      ledger.load(spend, now);
      assertThat(ledger.find(BudgetLedger.KEY, "key_a").spent(Period.TOTAL, now)).isEqualTo(15 * 1000L);
      assertThat(ledger.find(BudgetLedger.KEY, "key_b").spent(Period.TOTAL, now)).isEqualTo(15 * 1000L);
      assertThat(ledger.find(BudgetLedger.TEAM, "team_1").spent(Period.TOTAL, now)).isEqualTo(30 * 1000L);
      // 10 of the 30 were yesterday: today's spend has only the other 20
      assertThat(ledger.find(BudgetLedger.TEAM, "team_1").spent(Period.DAY, now)).isEqualTo(20 * 1000L);

      var byKey = store.usage().report(0, Long.MAX_VALUE, List.of("key"), Map.of());
      assertThat(byKey).hasSize(2);
      assertThat(byKey.get(0).group()).containsEntry("key", "key_a");
      assertThat(byKey.get(0).requests()).isEqualTo(15);
      assertThat(byKey.get(0).promptTokens()).isEqualTo(150);
      assertThat(byKey.get(0).costNanos()).isEqualTo(15_000);

      var byDayModel = store.usage().report(0, Long.MAX_VALUE, List.of("day", "model"), Map.of("team", "team_1"));
      assertThat(byDayModel).extracting(r -> r.group().get("day") + "/" + r.group().get("model"))
          .containsExactly(
              LocalDate.now(ZoneOffset.UTC).minusDays(1) + "/demo",
              LocalDate.now(ZoneOffset.UTC).minusDays(1) + "/gpt-4o",
              LocalDate.now(ZoneOffset.UTC) + "/demo",
              LocalDate.now(ZoneOffset.UTC) + "/gpt-4o");
      assertThat(byDayModel.stream().mapToLong(UsageRepository.UsageRow::requests).sum()).isEqualTo(30);

      var todayOnly = store.usage().report(today, today + 86_400_000L, List.of(), Map.of("key", "key_b"));
      assertThat(todayOnly).singleElement().satisfies(r -> assertThat(r.requests()).isEqualTo(10));
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void theConsolesTimelinesAndTopListsOnBothEngines(String engine) throws Exception {
    try (Store store = open(engine)) {
      long from = 1_800_000_000_000L;
      long minute = 60_000L;
      List<UsageRecord> batch = new ArrayList<>();
      int[][] rows = { // minute, status, latency, key
          {0, 200, 10, 1}, {0, 500, 30, 1}, {0, 200, 20, 2}, {2, 200, 100, 1}, {2, 429, 300, 1}};
      for (int i = 0; i < rows.length; i++) {
        int[] r = rows[i];
        batch.add(new UsageRecord("req_t" + i, from + r[0] * minute + i, "key_" + r[3], null, "demo", "demo-1", "demo",
            "chat_completions", false, r[1], "ok", 10, 5, 0, 0, false, 1_000L, r[2]));
      }
      store.usage().insert(batch);
      var timeline = store.usage().timeline(from, from + 4 * minute, minute, Map.of());
      assertThat(timeline).extracting(UsageRepository.Bucket::startMillis).containsExactly(from, from + 2 * minute);
      assertThat(timeline.get(0)).satisfies(b -> {
        assertThat(b.requests()).isEqualTo(3);
        assertThat(b.errors()).isEqualTo(1);
        assertThat(b.tokens()).isEqualTo(45);
        assertThat(b.meanLatencyMillis()).isEqualTo(20.0);
        assertThat(b.maxLatencyMillis()).isEqualTo(30);
      });
      assertThat(timeline.get(1).errors()).isEqualTo(1); // the 429
      assertThat(store.usage().timeline(from, from + 4 * minute, minute, Map.of("key", "key_2")))
          .singleElement().satisfies(b -> assertThat(b.requests()).isEqualTo(1));
      assertThatThrownBy(() -> store.usage().timeline(from, from, minute, Map.of()))
          .isInstanceOf(IllegalArgumentException.class);

      var busiest = store.usage().report(from, from + 4 * minute, List.of("key"), Map.of(), 1, true);
      assertThat(busiest).singleElement().satisfies(r -> {
        assertThat(r.group()).containsEntry("key", "key_1");
        assertThat(r.requests()).isEqualTo(4);
      });

      AuditRepository audit = new AuditRepository(store.dataSource(), store.sqlite());
      ChainKey key = ChainKey.of("a-chain-key-for-the-store-test-0123456789");
      audit.append(List.of(
          AuditEvent.builder("e1", "started", "mcp").ts(from).action("tools/call").target("crm/lookup").build(),
          AuditEvent.builder("e1", "completed", "mcp").ts(from + 1).action("tools/call").target("crm/lookup").build(),
          AuditEvent.builder("e2", "call", "mcp").ts(from + 2).action("tools/call").target("crm/refund")
              .decision("deny", "no", null).outcome("refused", null, 0L).build(),
          AuditEvent.builder("e3", "started", "mcp").ts(from + 2 * minute).action("tools/call").target("crm/lookup")
              .build(),
          AuditEvent.builder("e4", "call", "llm").ts(from + 3 * minute).action("chat_completions").target("demo")
              .decision("deny", "budget", null).outcome("budget_exceeded", 403, 0L).build()), key);
      assertThat(audit.outcomeTimeline(from, from + 4 * minute, minute, "refused", List.of("refused", "budget_exceeded")))
          .extracting(AuditRepository.Count::startMillis, AuditRepository.Count::count)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(from, 1L),
              org.assertj.core.groups.Tuple.tuple(from + 3 * minute, 1L));
      assertThat(audit.topTargets(from, from + 4 * minute, "tools/call", 5))
          .extracting(AuditRepository.Count::label, AuditRepository.Count::count)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("crm/lookup", 2L),
              org.assertj.core.groups.Tuple.tuple("crm/refund", 1L));

      // a rejected tool change is kept (migration V21 on both engines)
      ToolPinRepository pins = new ToolPinRepository(store.dataSource());
      pins.save(new ToolPins.Pin("crm", "lookup", "a".repeat(64), null, "b".repeat(64), null, from, true));
      assertThat(pins.load()).singleElement().satisfies(p -> assertThat(p.rejected()).isTrue());
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void writerBatchesAndFlushes(String engine) throws Exception {
    // the timer is an hour away, so only the full batches can have written anything; the budget is
    // generous because a commit can wait seconds for the disk on a loaded CI machine
    try (Store store = open(engine); UsageWriter writer = new UsageWriter(store.usage(), 3_600_000, 50)) {
      for (int i = 0; i < 120; i++) {
        writer.record(new UsageRecord("r" + i, System.currentTimeMillis(), "k", null, "demo", null, null,
            "chat_completions", false, 200, "ok", 1, 1, 0, 0, false, 7, 1));
      }
      // two full batches go at once, without waiting for the timer
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(2))
          .until(() -> store.usage().count() >= 100);
      writer.flush();
      assertThat(store.usage().count()).isEqualTo(120);
      assertThat(writer.queued()).isZero();
    }
  }

}
