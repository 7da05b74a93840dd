package dev.portcullis.store;

import dev.portcullis.limits.BudgetLedger;
import dev.portcullis.limits.Period;
import dev.portcullis.limits.UsageRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/** Usage records, the spend table, and the questions the admin API asks of them. Blocking. */
public final class UsageRepository {
  private static final String INSERT = "INSERT INTO usage_records (request_id, ts, key_id, team_id, model,"
      + " deployment, provider, endpoint, stream, status, outcome, prompt_tokens, completion_tokens, cached_tokens,"
      + " reasoning_tokens, usage_estimated, cost_nanos, latency_ms, persona, tool)"
      + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  private static final String UPSERT_SPEND = "INSERT INTO spend (scope, subject_id, period, period_start,"
      + " cost_nanos, tokens, requests) VALUES (?,?,?,?,?,?,?) ON CONFLICT (scope, subject_id, period, period_start)"
      + " DO UPDATE SET cost_nanos = spend.cost_nanos + excluded.cost_nanos,"
      + " tokens = spend.tokens + excluded.tokens, requests = spend.requests + excluded.requests";

  /** The dimensions usage can be grouped by, and their SQL. */
  public static final Map<String, String> DIMENSIONS = Map.of(
      "key", "key_id", "team", "team_id", "model", "model", "deployment", "deployment",
      "persona", "persona", "tool", "tool", "day", "(ts / 86400000)");

  /**
   * Where a question is answered from: the usage rows, or the sums of one grain (whose dimension
   * columns hold "" for NULL, and whose rows each count {@code requests} calls).
   */
  private record Source(String table, String time, String requests, String errors, String latencySum,
      String latencyMax, Map<String, String> dimensions) {
    static final Source ROWS = new Source("usage_records", "ts", "COUNT(*)",
        "SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END)", "SUM(latency_ms)", "MAX(latency_ms)", DIMENSIONS);

    static Source of(long from, long to, long bucketMillis) {
      UsageRollups.Grain g = UsageRollups.covering(from, to, bucketMillis, System.currentTimeMillis());
      return g == null ? ROWS : new Source(g.table, "bucket", "SUM(requests)", "SUM(errors)", "SUM(latency_sum)",
          "MAX(latency_max)", Map.of("key", "NULLIF(key_id, '')", "team", "NULLIF(team_id, '')", "model", "model",
              "deployment", "NULLIF(deployment, '')", "persona", "NULLIF(persona, '')", "tool", "NULLIF(tool, '')",
              "day", "(bucket / 86400000)"));
    }
  }

  private final DataSource ds;
  /** Minute sums before this are dropped already: the next batch past the hour drops the next hour of them. */
  private volatile long minutesPrunedTo;

  UsageRepository(DataSource ds) {
    this.ds = ds;
  }

  private record SpendKey(String scope, String id, Period period, long start) {}

  /** Writes a batch of usage records and adds them to the spend table, in one transaction. */
  public void insert(List<UsageRecord> batch) {
    if (batch.isEmpty()) {
      return;
    }
    Map<SpendKey, long[]> spend = new HashMap<>();
    for (UsageRecord r : batch) {
      for (Period p : Period.ALL) {
        long start = p.start(r.timestampMillis());
        long tokens = r.promptTokens() + r.completionTokens();
        if (r.keyId() != null) {
          add(spend, new SpendKey(BudgetLedger.KEY, r.keyId(), p, start), r.costNanos(), tokens);
        }
        if (r.teamId() != null) {
          add(spend, new SpendKey(BudgetLedger.TEAM, r.teamId(), p, start), r.costNanos(), tokens);
        }
        if (r.persona() != null) {
          add(spend, new SpendKey(BudgetLedger.PERSONA, r.persona(), p, start), r.costNanos(), tokens);
        }
      }
    }
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement(INSERT); PreparedStatement up = c.prepareStatement(UPSERT_SPEND)) {
        for (UsageRecord r : batch) {
          int i = 1;
          ins.setString(i++, r.requestId());
          ins.setLong(i++, r.timestampMillis());
          ins.setString(i++, r.keyId());
          ins.setString(i++, r.teamId());
          ins.setString(i++, r.model());
          ins.setString(i++, r.deployment());
          ins.setString(i++, r.provider());
          ins.setString(i++, r.endpoint());
          ins.setInt(i++, r.stream() ? 1 : 0);
          ins.setInt(i++, r.status());
          ins.setString(i++, r.outcome());
          ins.setLong(i++, r.promptTokens());
          ins.setLong(i++, r.completionTokens());
          ins.setLong(i++, r.cachedTokens());
          ins.setLong(i++, r.reasoningTokens());
          ins.setInt(i++, r.estimated() ? 1 : 0);
          ins.setLong(i++, r.costNanos());
          ins.setLong(i++, r.latencyMillis());
          ins.setString(i++, r.persona());
          ins.setString(i, r.tool());
          ins.addBatch();
        }
        ins.executeBatch();
        for (Map.Entry<SpendKey, long[]> e : spend.entrySet()) {
          SpendKey k = e.getKey();
          up.setString(1, k.scope());
          up.setString(2, k.id());
          up.setString(3, k.period().id());
          up.setLong(4, k.start());
          up.setLong(5, e.getValue()[0]);
          up.setLong(6, e.getValue()[1]);
          up.setLong(7, e.getValue()[2]);
          up.addBatch();
        }
        up.executeBatch();
        long now = System.currentTimeMillis();
        UsageRollups.add(c, batch, now);
        long keptFrom = UsageRollups.minutesKeptFrom(now);
        boolean prune = keptFrom > minutesPrunedTo;
        if (prune) {
          UsageRollups.prune(c, keptFrom);
        }
        c.commit();
        if (prune) {
          minutesPrunedTo = keptFrom;
        }
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new StoreException("could not write " + batch.size() + " usage records: " + e.getMessage(), e);
    }
  }

  private static void add(Map<SpendKey, long[]> m, SpendKey k, long cost, long tokens) {
    long[] v = m.computeIfAbsent(k, x -> new long[3]);
    v[0] += cost;
    v[1] += tokens;
    v[2] += 1;
  }

  /** What one key, team or persona spent in one period, as recorded (0 when nothing is). */
  public long spent(String scope, String subject, Period period, long periodStart) {
    String sql = "SELECT cost_nanos FROM spend WHERE scope=? AND subject_id=? AND period=? AND period_start=?";
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, scope);
      ps.setString(2, subject);
      ps.setString(3, period.id());
      ps.setLong(4, periodStart);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    } catch (SQLException e) {
      throw new StoreException("could not read spend: " + e.getMessage(), e);
    }
  }

  /** The spend of every key, team and persona in the periods that contain {@code now}. */
  public List<BudgetLedger.SpendRow> currentSpend(long now) {
    String sql = "SELECT scope, subject_id, period, period_start, cost_nanos FROM spend WHERE period='total'"
        + " OR (period='day' AND period_start=?) OR (period='week' AND period_start=?)"
        + " OR (period='month' AND period_start=?)";
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, Period.DAY.start(now));
      ps.setLong(2, Period.WEEK.start(now));
      ps.setLong(3, Period.MONTH.start(now));
      List<BudgetLedger.SpendRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new BudgetLedger.SpendRow(rs.getString(1), rs.getString(2), Period.parse(rs.getString(3)),
              rs.getLong(4), rs.getLong(5)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("could not read spend: " + e.getMessage(), e);
    }
  }

  /** One row of a usage report: the group's dimension values, then its sums. */
  public record UsageRow(Map<String, String> group, long requests, long promptTokens, long completionTokens,
      long cachedTokens, long reasoningTokens, long costNanos) {}

  /**
   * Usage between {@code fromMillis} (inclusive) and {@code toMillis} (exclusive), grouped by
   * the named dimensions (key, team, model, deployment, persona, tool, day), optionally filtered.
   */
  public List<UsageRow> report(long fromMillis, long toMillis, List<String> groupBy, Map<String, String> filters) {
    return report(fromMillis, toMillis, groupBy, filters, Integer.MAX_VALUE, false);
  }

  /**
   * The same report with at most {@code maxRows} groups: ordered by the groups' values, or with
   * {@code busiestFirst} by requests, most first (for "top" lists that must not read every group).
   */
  public List<UsageRow> report(long fromMillis, long toMillis, List<String> groupBy, Map<String, String> filters,
      int maxRows, boolean busiestFirst) {
    for (String g : groupBy) {
      if (!DIMENSIONS.containsKey(g)) {
        throw new IllegalArgumentException("cannot group by '" + g + "' (expected some of " + Set.copyOf(
            DIMENSIONS.keySet()) + ")");
      }
    }
    // whole days (every usage report the console asks for) from the daily sums, whole hours (the
    // overview's day and week) from the hourly ones, recent whole minutes (its last hour) from the
    // minute sums: each row lies within one day, so grouping by day is right on any of them
    Source src = Source.of(fromMillis, toMillis, UsageRollups.Grain.DAY.millis);
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int i = 0; i < groupBy.size(); i++) {
      sql.append(src.dimensions().get(groupBy.get(i))).append(" AS g").append(i).append(", ");
    }
    sql.append(src.requests()).append(", SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens),"
        + " SUM(reasoning_tokens), SUM(cost_nanos) FROM ").append(src.table()).append(" WHERE ")
        .append(src.time()).append(" >= ? AND ").append(src.time()).append(" < ?");
    List<String> args = filtered(sql, filters);
    if (!groupBy.isEmpty()) {
      sql.append(" GROUP BY ");
      for (int i = 0; i < groupBy.size(); i++) {
        sql.append(i == 0 ? "" : ", ").append(src.dimensions().get(groupBy.get(i)));
      }
      sql.append(" ORDER BY ").append(busiestFirst ? src.requests() + " DESC, " : "");
      for (int i = 0; i < groupBy.size(); i++) {
        sql.append(i == 0 ? "" : ", ").append(src.dimensions().get(groupBy.get(i)));
      }
    }
    sql.append(" LIMIT ?");
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
      ps.setLong(1, fromMillis);
      ps.setLong(2, toMillis);
      for (int i = 0; i < args.size(); i++) {
        ps.setString(3 + i, args.get(i));
      }
      ps.setInt(3 + args.size(), maxRows);
      List<UsageRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<String, String> group = new LinkedHashMap<>();
          for (int i = 0; i < groupBy.size(); i++) {
            String v = rs.getString(i + 1);
            if ("day".equals(groupBy.get(i)) && v != null) {
              v = java.time.LocalDate.ofEpochDay(Long.parseLong(v)).toString();
            }
            group.put(groupBy.get(i), v);
          }
          int b = groupBy.size();
          long requests = rs.getLong(b + 1);
          if (requests == 0 && groupBy.isEmpty()) {
            continue;
          }
          out.add(new UsageRow(group, requests, rs.getLong(b + 2), rs.getLong(b + 3), rs.getLong(b + 4),
              rs.getLong(b + 5), rs.getLong(b + 6)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("could not read usage: " + e.getMessage(), e);
    }
  }

  /** Appends {@code AND column = ?} per filter; returns the filters' values in order. */
  private static List<String> filtered(StringBuilder sql, Map<String, String> filters) {
    List<String> args = new ArrayList<>();
    for (Map.Entry<String, String> f : filters.entrySet()) {
      // the column itself, in the rows and the sums alike (a filter's value is never empty)
      String col = DIMENSIONS.get(f.getKey());
      if (col == null || "day".equals(f.getKey())) {
        throw new IllegalArgumentException("cannot filter by '" + f.getKey() + "'");
      }
      sql.append(" AND ").append(col).append(" = ?");
      args.add(f.getValue());
    }
    return args;
  }

  /**
   * One interval of a usage timeline. Errors are the requests answered with a status of 400 or
   * more (refused upstream, failed, or abandoned by the client).
   */
  public record Bucket(long startMillis, long requests, long errors, long tokens, long costNanos,
      double meanLatencyMillis, long maxLatencyMillis) {}

  /**
   * Usage between {@code fromMillis} and {@code toMillis} in intervals of {@code bucketMillis}
   * counted from {@code fromMillis}, optionally filtered; intervals without requests are absent.
   * At most {@code (toMillis - fromMillis) / bucketMillis + 1} rows.
   */
  public List<Bucket> timeline(long fromMillis, long toMillis, long bucketMillis, Map<String, String> filters) {
    if (bucketMillis <= 0 || toMillis <= fromMillis) {
      throw new IllegalArgumentException("a timeline needs a positive interval and a range that is not empty");
    }
    Source src = Source.of(fromMillis, toMillis, bucketMillis);
    StringBuilder sql = new StringBuilder("SELECT (" + src.time() + " - ?) / ? AS b, " + src.requests() + ", "
        + src.errors() + ", SUM(prompt_tokens + completion_tokens), SUM(cost_nanos), " + src.latencySum() + ", "
        + src.latencyMax() + " FROM " + src.table() + " WHERE " + src.time() + " >= ? AND " + src.time() + " < ?");
    List<String> args = filtered(sql, filters);
    // by position: PostgreSQL does not see two parameterised expressions as the same one
    sql.append(" GROUP BY 1 ORDER BY 1");
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int i = 1;
      ps.setLong(i++, fromMillis);
      ps.setLong(i++, bucketMillis);
      ps.setLong(i++, fromMillis);
      ps.setLong(i++, toMillis);
      for (String a : args) {
        ps.setString(i++, a);
      }
      List<Bucket> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long requests = rs.getLong(2);
          out.add(new Bucket(fromMillis + rs.getLong(1) * bucketMillis, requests, rs.getLong(3), rs.getLong(4),
              rs.getLong(5), requests == 0 ? 0 : (double) rs.getLong(6) / requests, rs.getLong(7)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("could not read the usage timeline: " + e.getMessage(), e);
    }
  }

  /** How many usage records there are (tests and diagnostics). */
  public long count() {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT COUNT(*) FROM usage_records"); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new StoreException(e.getMessage(), e);
    }
  }
}
