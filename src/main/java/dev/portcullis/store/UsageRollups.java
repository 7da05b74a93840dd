package dev.portcullis.store;

import dev.portcullis.limits.UsageRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Usage summed per minute ({@code usage_minutely}, the last hours only), per hour
 * ({@code usage_hourly}) and per day ({@code usage_daily}), written in the transaction that writes
 * the usage rows, so a report over 30 days reads a few thousand sums instead of a million rows,
 * and the last hour per minute a few sums a minute instead of every request of the hour. A question whose range and interval fall on whole hours or days is
 * answered from the coarsest table that fits ({@link #covering}); any other from the rows.
 */
final class UsageRollups {
  /** A table of sums and the span of time one of its rows covers. */
  enum Grain {
    DAY("usage_daily", 86_400_000L, Long.MAX_VALUE),
    HOUR("usage_hourly", 3_600_000L, Long.MAX_VALUE),
    MINUTE("usage_minutely", 60_000L, MINUTES_KEPT_MS);

    final String table;
    final long millis;
    /** How far back from now its sums are kept (and so may answer a question). */
    final long keptMillis;

    Grain(String table, long millis, long keptMillis) {
      this.table = table;
      this.millis = millis;
      this.keptMillis = keptMillis;
    }

    String upsert() {
      return "INSERT INTO " + table + " (bucket, key_id, team_id, model, deployment, persona, tool, requests, errors,"
          + " prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_nanos, latency_sum, latency_max)"
          + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
          + " ON CONFLICT (bucket, key_id, team_id, model, deployment, persona, tool) DO UPDATE SET"
          + " requests = " + table + ".requests + excluded.requests, errors = " + table + ".errors + excluded.errors,"
          + " prompt_tokens = " + table + ".prompt_tokens + excluded.prompt_tokens,"
          + " completion_tokens = " + table + ".completion_tokens + excluded.completion_tokens,"
          + " cached_tokens = " + table + ".cached_tokens + excluded.cached_tokens,"
          + " reasoning_tokens = " + table + ".reasoning_tokens + excluded.reasoning_tokens,"
          + " cost_nanos = " + table + ".cost_nanos + excluded.cost_nanos,"
          + " latency_sum = " + table + ".latency_sum + excluded.latency_sum,"
          + " latency_max = CASE WHEN excluded.latency_max > " + table + ".latency_max THEN excluded.latency_max"
          + " ELSE " + table + ".latency_max END";
    }
  }

  /** The dimensions of a rollup row; "" stands for a NULL of the usage row. Ordered, for {@link TreeMap}. */
  private record Key(long bucket, String key, String team, String model, String deployment, String persona,
      String tool) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = Long.compare(bucket, o.bucket);
      for (int i = 0; c == 0 && i < 6; i++) {
        c = field(i).compareTo(o.field(i));
      }
      return c;
    }

    private String field(int i) {
      return switch (i) {
        case 0 -> key;
        case 1 -> team;
        case 2 -> model;
        case 3 -> deployment;
        case 4 -> persona;
        default -> tool;
      };
    }
  }

  private UsageRollups() {
  }

  /**
   * Minute sums are kept this long: the overview's last hour, with room for a replica's clock
   * running behind or ahead; older minutes are pruned as usage is written.
   */
  static final long MINUTES_KEPT_MS = 3 * 3_600_000L;
  /** Only questions starting this recently are answered from the minute sums (well inside what is kept). */
  static final long MINUTES_READ_MS = 2 * 3_600_000L;

  /**
   * The coarsest grain whose rows tile {@code [from, to)} and the interval exactly (the minute sums
   * only for a range that starts within the last {@link #MINUTES_READ_MS} of {@code now}), or
   * null: read the usage rows.
   */
  static Grain covering(long from, long to, long bucketMillis, long now) {
    for (Grain g : Grain.values()) {
      boolean kept = g.keptMillis == Long.MAX_VALUE || from >= now - MINUTES_READ_MS;
      if (kept && from % g.millis == 0 && to % g.millis == 0 && bucketMillis % g.millis == 0) {
        return g;
      }
    }
    return null;
  }

  /**
   * Where the minute sums kept at {@code now} begin: a whole hour, so that {@link #prune} has work
   * once an hour.
   */
  static long minutesKeptFrom(long now) {
    long cutoff = now - MINUTES_KEPT_MS;
    return cutoff - Math.floorMod(cutoff, Grain.HOUR.millis);
  }

  /** Drops the minute sums before {@code keptFrom} (on {@code c}, inside the caller's transaction). */
  static void prune(Connection c, long keptFrom) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + Grain.MINUTE.table + " WHERE bucket < ?")) {
      ps.setLong(1, keptFrom);
      ps.executeUpdate();
    }
  }

  /**
   * Adds the batch to every grain's table on {@code c} (inside the caller's transaction); records
   * older than a grain keeps are left out of it. Rows are upserted in one order, so two replicas
   * writing at once wait for each other instead of deadlocking.
   */
  static void add(Connection c, List<UsageRecord> batch, long now) throws SQLException {
    for (Grain g : Grain.values()) {
      Map<Key, long[]> sums = new TreeMap<>();
      for (UsageRecord r : batch) {
        long ts = r.timestampMillis();
        if (ts < now - g.keptMillis) {
          continue; // a minute no longer kept (a late or back-dated record): the rows still have it
        }
        Key k = new Key(ts - Math.floorMod(ts, g.millis), blank(r.keyId()), blank(r.teamId()), blank(r.model()),
            blank(r.deployment()), blank(r.persona()), blank(r.tool()));
        long[] v = sums.computeIfAbsent(k, x -> new long[9]);
        v[0] += 1;
        v[1] += r.status() >= 400 ? 1 : 0;
        v[2] += r.promptTokens();
        v[3] += r.completionTokens();
        v[4] += r.cachedTokens();
        v[5] += r.reasoningTokens();
        v[6] += r.costNanos();
        v[7] += r.latencyMillis();
        v[8] = Math.max(v[8], r.latencyMillis());
      }
      try (PreparedStatement ps = c.prepareStatement(g.upsert())) {
        for (Map.Entry<Key, long[]> e : sums.entrySet()) {
          Key k = e.getKey();
          ps.setLong(1, k.bucket());
          ps.setString(2, k.key());
          ps.setString(3, k.team());
          ps.setString(4, k.model());
          ps.setString(5, k.deployment());
          ps.setString(6, k.persona());
          ps.setString(7, k.tool());
          for (int i = 0; i < 9; i++) {
            ps.setLong(8 + i, e.getValue()[i]);
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
  }

  private static String blank(String s) {
    return s == null ? "" : s;
  }
}
