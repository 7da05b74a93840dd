package dev.portcullis.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.limits.UsageRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The console's questions at scale, on SQLite and PostgreSQL: reports over whole days and
 * timelines in whole hours come from the hourly and daily sums, the last hour in whole minutes from
 * the minute sums, and give exactly what the usage rows give (the same question asked off the hour boundaries reads the rows); the audit page's
 * filtered, newest-first paging walks an index of the filtered column (EXPLAIN), not the trail.
 */
class ConsoleQueriesTest {
  static final long HOUR = 3_600_000L;
  static final long DAY = 24 * HOUR;

  static Stream<String> engines() {
    return StoreTest.engines();
  }

  @ParameterizedTest
  @MethodSource("engines")
  void sumsAnswerWholeDaysAndHoursExactlyAsTheRowsDo(String engine) throws Exception {
    try (Store store = StoreTest.open(engine)) {
      long day0 = (System.currentTimeMillis() / DAY - 3) * DAY;
      List<UsageRecord> batch = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        long ts = day0 + (i * 7L * 60_000L) % (3 * DAY) + i; // over three days, many rows per hour
        batch.add(new UsageRecord("req_" + i, ts, i % 7 == 0 ? null : "key_" + i % 3, i % 2 == 0 ? "team_a" : null,
            i % 4 == 0 ? "gpt-4o" : "demo", i % 5 == 0 ? null : "dep_" + i % 2, "openai", "/v1/chat/completions",
            false, i % 10 == 0 ? 502 : 200, "ok", 10 + i, 5 + i % 13, i % 3, 0, false, 1_000L * i, 20 + i % 97,
            i % 6 == 0 ? "support" : null, i % 9 == 0 ? "tool_" + i % 2 : null));
      }
      // written in two batches: the second adds to the sums the first made
      store.usage().insert(batch.subList(0, 250));
      store.usage().insert(batch.subList(250, 600));
      UsageRepository usage = store.usage();
      long from = day0;
      long to = day0 + 3 * DAY;
      for (List<String> groupBy : List.of(List.<String>of(), List.of("key"), List.of("model", "key"),
          List.of("day", "tool"), List.of("team", "persona", "deployment"))) {
        List<UsageRepository.UsageRow> sums = usage.report(from, to, groupBy, Map.of());
        List<UsageRepository.UsageRow> rows = usage.report(from - 1, to, groupBy, Map.of()); // off the day: rows
        assertThat(sums).as("grouped by %s", groupBy).isEqualTo(rows).isNotEmpty();
      }
      assertThat(usage.report(from, to, List.of("key"), Map.of("model", "gpt-4o")))
          .isEqualTo(usage.report(from - 1, to, List.of("key"), Map.of("model", "gpt-4o")));
      assertThat(usage.report(from, to, List.of(), Map.of()).get(0).requests()).isEqualTo(600);
      // whole hours that are not whole days: the hourly sums
      assertThat(usage.report(from + 5 * HOUR, to - 2 * HOUR, List.of("model", "persona"), Map.of()))
          .isEqualTo(usage.report(from + 5 * HOUR - 1, to - 2 * HOUR, List.of("model", "persona"), Map.of()))
          .isNotEmpty();
      assertThat(usage.report(from, to, List.of("key"), Map.of(), 2, true)).hasSize(2)
          .isEqualTo(usage.report(from - 1, to, List.of("key"), Map.of(), 2, true));

      List<UsageRepository.Bucket> hourly = usage.timeline(from, to, HOUR, Map.of());
      List<UsageRepository.Bucket> byRows = usage.timeline(from - 1, to, HOUR, Map.of());
      // off by a millisecond, the rows' intervals start one millisecond earlier and hold the same rows
      assertThat(hourly).hasSameSizeAs(byRows);
      for (int i = 0; i < hourly.size(); i++) {
        UsageRepository.Bucket a = hourly.get(i);
        UsageRepository.Bucket b = byRows.get(i);
        assertThat(a.startMillis()).isEqualTo(b.startMillis() + 1);
        assertThat(List.of(a.requests(), a.errors(), a.tokens(), a.costNanos(), a.maxLatencyMillis()))
            .isEqualTo(List.of(b.requests(), b.errors(), b.tokens(), b.costNanos(), b.maxLatencyMillis()));
        assertThat(a.meanLatencyMillis()).isCloseTo(b.meanLatencyMillis(), org.assertj.core.data.Offset.offset(1e-9));
      }
      assertThat(hourly.stream().mapToLong(UsageRepository.Bucket::errors).sum()).isEqualTo(60);
      assertThat(usage.timeline(from, to, DAY, Map.of("key", "key_1")).stream()
          .mapToLong(UsageRepository.Bucket::requests).sum())
          .isEqualTo(batch.stream().filter(r -> "key_1".equals(r.keyId())).count());
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void theLastHourPerMinuteComesFromTheMinuteSumsAndOldMinutesArePruned(String engine) throws Exception {
    try (Store store = StoreTest.open(engine)) {
      long now = System.currentTimeMillis();
      long minute = 60_000L;
      long to = (now / minute + 1) * minute;
      long from = to - HOUR;
      List<UsageRecord> batch = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        long ts = from + (i * 13_337L) % HOUR; // over the last hour, several rows a minute
        batch.add(new UsageRecord("req_m" + i, ts, i % 5 == 0 ? null : "key_" + i % 4, null,
            i % 3 == 0 ? "gpt-4o" : "demo", "dep", "openai", "/v1/chat/completions", false, i % 8 == 0 ? 500 : 200,
            "ok", 10 + i, 3 + i % 11, 0, 0, false, 500L * i, 10 + i % 50, i % 2 == 0 ? "coder" : null, null));
      }
      // and rows four hours ago: older than the minute sums keep
      for (int i = 0; i < 20; i++) {
        batch.add(new UsageRecord("req_old" + i, from - 4 * HOUR + i * minute, "key_old", null, "demo", "dep",
            "openai", "/v1/chat/completions", false, 200, "ok", 1, 1, 0, 0, false, 1, 1, null, null));
      }
      // a minute sum left from a day ago (as a gateway stopped then would have left it)
      try (Connection c = store.dataSource().getConnection(); Statement st = c.createStatement()) {
        st.executeUpdate("INSERT INTO usage_minutely VALUES (" + (from - DAY) / minute * minute
            + ", 'key_gone', '', 'demo', '', '', '', 1, 0, 1, 1, 0, 0, 1, 1, 1)");
      }
      store.usage().insert(batch.subList(0, 120));
      store.usage().insert(batch.subList(120, batch.size()));
      UsageRepository usage = store.usage();

      List<UsageRepository.Bucket> sums = usage.timeline(from, to, minute, Map.of());
      List<UsageRepository.Bucket> rows = usage.timeline(from - 1, to, minute, Map.of()); // off the minute: rows
      assertThat(sums).hasSameSizeAs(rows).hasSizeGreaterThan(50);
      for (int i = 0; i < sums.size(); i++) {
        UsageRepository.Bucket a = sums.get(i);
        UsageRepository.Bucket b = rows.get(i);
        assertThat(a.startMillis()).isEqualTo(b.startMillis() + 1);
        assertThat(List.of(a.requests(), a.errors(), a.tokens(), a.costNanos(), a.maxLatencyMillis()))
            .isEqualTo(List.of(b.requests(), b.errors(), b.tokens(), b.costNanos(), b.maxLatencyMillis()));
      }
      for (List<String> groupBy : List.of(List.of("key"), List.of("model", "persona"))) {
        assertThat(usage.report(from, to, groupBy, Map.of(), 3, true)).as("top %s", groupBy)
            .isEqualTo(usage.report(from - 1, to, groupBy, Map.of(), 3, true)).isNotEmpty();
      }
      assertThat(usage.report(from, to, List.of(), Map.of()).get(0).requests()).isEqualTo(300);
      // whole minutes four hours ago are not in the minute sums: the rows answer them, all of them
      assertThat(usage.report(from - 4 * HOUR, from - 3 * HOUR, List.of(), Map.of()).get(0).requests()).isEqualTo(20);

      long cutoff = now - UsageRollups.MINUTES_KEPT_MS;
      try (Connection c = store.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
          "SELECT COUNT(*), MIN(bucket) FROM usage_minutely"); Statement st = c.createStatement()) {
        // the hour's answer is the sums': with the rows gone, it still counts every request
        st.executeUpdate("DELETE FROM usage_records WHERE request_id LIKE 'req_m%'");
        assertThat(usage.timeline(from, to, minute, Map.of()).stream().mapToLong(UsageRepository.Bucket::requests)
            .sum()).isEqualTo(300);
        assertThat(usage.timeline(from - 1, to, minute, Map.of())).isEmpty();
        try (ResultSet r = ps.executeQuery()) {
          r.next();
          assertThat(r.getLong(1)).isPositive();
          assertThat(r.getLong(2)).as("the oldest minute kept (the day-old one pruned)")
              .isGreaterThanOrEqualTo(cutoff - HOUR);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void theAuditPagesFilteredPagingWalksAnIndex(String engine) throws Exception {
    try (Store store = StoreTest.open(engine); Connection c = store.dataSource().getConnection()) {
      try (Statement s = c.createStatement()) {
        if (engine.equals("postgresql")) {
          s.executeUpdate("INSERT INTO audit_events (seq, id, ts, phase, surface, action, principal, target, decision,"
              + " outcome, prev_hash, hash) SELECT g, 'e' || g, g * 1000, 'completed', 'openai', 'chat.completions',"
              + " 'key:k' || (g % 200), 'model-' || (g % 8), 'allow', CASE WHEN g % 50 = 0 THEN 'refused' ELSE 'ok' END,"
              + " 'x', 'y' FROM generate_series(1, 20000) g");
          s.execute("ANALYZE audit_events");
        }
      }
      for (String[] q : new String[][] {{"principal", "audit_events_principal_seq"},
          {"target", "audit_events_target_seq"}}) {
        String sql = "SELECT seq FROM audit_events WHERE 1=1 AND " + q[0] + " = ? AND seq < ? ORDER BY seq DESC LIMIT ?";
        assertThat(plan(c, engine, sql, "nobody", 1_000_000L, 51)).as(q[0]).contains(q[1]);
      }
      assertThat(plan(c, engine, "SELECT (ts - ?) / ?, COUNT(*) FROM audit_events WHERE ts >= ? AND ts < ?"
          + " AND outcome = ? GROUP BY 1 ORDER BY 1", 0L, 1000L, 0L, 10_000_000L, "refused"))
          .contains("audit_events_outcome_ts");
    }
  }

  private static String plan(Connection c, String engine, String sql, Object... args) throws Exception {
    try (PreparedStatement ps = c.prepareStatement((engine.equals("sqlite") ? "EXPLAIN QUERY PLAN " : "EXPLAIN ")
        + sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      StringBuilder out = new StringBuilder();
      try (ResultSet r = ps.executeQuery()) {
        int col = r.getMetaData().getColumnCount();
        while (r.next()) {
          out.append(r.getString(col)).append('\n');
        }
      }
      return out.toString();
    }
  }
}
