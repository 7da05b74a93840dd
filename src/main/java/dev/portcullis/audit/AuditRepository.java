package dev.portcullis.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The audit trail in the store (SQLite or PostgreSQL): appends events to the keyed hash chain in
 * one transaction per batch, reads them back with filters and paging or in chain order (for
 * {@link ChainVerifier}), and keeps a copy of the signed checkpoints. Only inserts: nothing here
 * updates or deletes an event. Blocking: call from a worker thread.
 */
public final class AuditRepository {
  private static final String COLUMNS = "seq, id, ts, phase, surface, action, principal, principal_kind, key_id, "
      + "persona, client_app, client_ip, target, arguments, decision, reason, policy_id, guard_findings, outcome, "
      + "status, latency_ms, prompt_tokens, completion_tokens, cost_nanos, trace_id, session_id, request_id, "
      + "chain, prev_hash, hash";

  private final DataSource ds;
  private final boolean sqlite;

  public AuditRepository(DataSource ds, boolean sqlite) {
    this.ds = ds;
    this.sqlite = sqlite;
  }

  /**
   * Appends the events, in order, after the current head of the chain, each HMAC'd under
   * {@code key}; returns them as written (with sequence numbers and hashes). Commits before returning.
   */
  public List<AuditEvent> append(List<AuditEvent> events, ChainKey key) {
    ChainDigest digest = ChainDigest.keyed(key); // one MAC per batch: the hot path allocates no more
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        if (sqlite) {
          // take the write lock first, so that no other writer reads the same head
          try (PreparedStatement lock = c.prepareStatement("UPDATE audit_head SET seq = seq WHERE id = 1")) {
            lock.executeUpdate();
          }
        }
        long seq;
        String prev;
        try (PreparedStatement head = c.prepareStatement(
            "SELECT seq, hash FROM audit_head WHERE id = 1" + (sqlite ? "" : " FOR UPDATE"));
            ResultSet rs = head.executeQuery()) {
          rs.next();
          seq = rs.getLong(1);
          prev = rs.getString(2);
        }
        List<AuditEvent> out = new ArrayList<>(events.size());
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO audit_events (" + COLUMNS
            + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
          for (AuditEvent e : events) {
            AuditEvent w = e.chained(++seq, prev, digest);
            prev = w.hash();
            bind(ins, w);
            ins.addBatch();
            out.add(w);
          }
          ins.executeBatch();
        }
        try (PreparedStatement upd = c.prepareStatement("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")) {
          upd.setLong(1, seq);
          upd.setString(2, prev);
          upd.executeUpdate();
        }
        c.commit();
        return out;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not write audit events: " + e.getMessage(), e);
    }
  }

  private static void bind(PreparedStatement p, AuditEvent e) throws SQLException {
    int i = 0;
    p.setLong(++i, e.seq());
    p.setString(++i, e.id());
    p.setLong(++i, e.ts());
    p.setString(++i, e.phase());
    p.setString(++i, e.surface());
    p.setString(++i, e.action());
    p.setString(++i, e.principal());
    p.setString(++i, e.principalKind());
    p.setString(++i, e.keyId());
    p.setString(++i, e.persona());
    p.setString(++i, e.clientApp());
    p.setString(++i, e.clientIp());
    p.setString(++i, e.target());
    p.setString(++i, e.arguments());
    p.setString(++i, e.decision());
    p.setString(++i, e.reason());
    p.setString(++i, e.policyId());
    p.setString(++i, e.guardFindings());
    p.setString(++i, e.outcome());
    setInt(p, ++i, e.status());
    setLong(p, ++i, e.latencyMs());
    setLong(p, ++i, e.promptTokens());
    setLong(p, ++i, e.completionTokens());
    setLong(p, ++i, e.costNanos());
    p.setString(++i, e.traceId());
    p.setString(++i, e.sessionId());
    p.setString(++i, e.requestId());
    p.setString(++i, e.chain());
    p.setString(++i, e.prevHash());
    p.setString(++i, e.hash());
  }

  private static void setLong(PreparedStatement p, int i, Long v) throws SQLException {
    if (v == null) {
      p.setNull(i, Types.BIGINT);
    } else {
      p.setLong(i, v);
    }
  }

  private static void setInt(PreparedStatement p, int i, Integer v) throws SQLException {
    if (v == null) {
      p.setNull(i, Types.INTEGER);
    } else {
      p.setInt(i, v);
    }
  }

  private static AuditEvent read(ResultSet r) throws SQLException {
    return new AuditEvent(r.getLong("seq"), r.getString("id"), r.getLong("ts"), r.getString("phase"),
        r.getString("surface"), r.getString("action"), r.getString("principal"), r.getString("principal_kind"),
        r.getString("key_id"), r.getString("persona"), r.getString("client_app"), r.getString("client_ip"),
        r.getString("target"), r.getString("arguments"), r.getString("decision"), r.getString("reason"),
        r.getString("policy_id"), r.getString("guard_findings"), r.getString("outcome"), intOrNull(r, "status"),
        longOrNull(r, "latency_ms"), longOrNull(r, "prompt_tokens"), longOrNull(r, "completion_tokens"),
        longOrNull(r, "cost_nanos"), r.getString("trace_id"), r.getString("session_id"), r.getString("request_id"),
        r.getString("chain"), r.getString("prev_hash"), r.getString("hash"));
  }

  private static Long longOrNull(ResultSet r, String c) throws SQLException {
    long v = r.getLong(c);
    return r.wasNull() ? null : v;
  }

  private static Integer intOrNull(ResultSet r, String c) throws SQLException {
    int v = r.getInt(c);
    return r.wasNull() ? null : v;
  }

  /**
   * Filters for {@link #query}; null fields do not filter.
   *
   * @param beforeSeq paging cursor: only events older than this sequence number
   */
  public record Filter(String surface, String principal, String keyId, String target, String decision,
      String outcome, String id, String traceId, String sessionId, Long since, Long until, Long beforeSeq,
      int limit) {}

  /** Matching events, newest first. */
  public List<AuditEvent> query(Filter f) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM audit_events WHERE 1=1");
    List<Object> args = new ArrayList<>();
    eq(sql, args, "surface", f.surface());
    eq(sql, args, "principal", f.principal());
    eq(sql, args, "key_id", f.keyId());
    eq(sql, args, "target", f.target());
    eq(sql, args, "decision", f.decision());
    eq(sql, args, "outcome", f.outcome());
    eq(sql, args, "id", f.id());
    eq(sql, args, "trace_id", f.traceId());
    eq(sql, args, "session_id", f.sessionId());
    if (f.since() != null) {
      sql.append(" AND ts >= ?");
      args.add(f.since());
    }
    if (f.until() != null) {
      sql.append(" AND ts < ?");
      args.add(f.until());
    }
    if (f.beforeSeq() != null) {
      sql.append(" AND seq < ?");
      args.add(f.beforeSeq());
    }
    sql.append(" ORDER BY seq DESC LIMIT ?");
    args.add(f.limit());
    try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        p.setObject(i + 1, args.get(i));
      }
      List<AuditEvent> out = new ArrayList<>();
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(read(r));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("could not read audit events: " + e.getMessage(), e);
    }
  }

  /** A count in one interval of a timeline, or of one value (a tool, say). */
  public record Count(String label, long startMillis, long count) {}

  /**
   * Events with any of these outcomes between {@code fromMillis} and {@code toMillis}, counted in
   * intervals of {@code bucketMillis} from {@code fromMillis} and labelled {@code label};
   * intervals without any are absent.
   */
  public List<Count> outcomeTimeline(long fromMillis, long toMillis, long bucketMillis, String label,
      List<String> outcomes) {
    if (bucketMillis <= 0 || toMillis <= fromMillis || outcomes.isEmpty()) {
      throw new IllegalArgumentException("a timeline needs a positive interval, a range and outcomes that are not empty");
    }
    // grouped by position: PostgreSQL does not see two parameterised expressions as the same one
    String sql = "SELECT (ts - ?) / ?, COUNT(*) FROM audit_events WHERE ts >= ? AND ts < ? AND outcome IN ("
        + String.join(", ", java.util.Collections.nCopies(outcomes.size(), "?")) + ") GROUP BY 1 ORDER BY 1";
    List<Count> out = new ArrayList<>();
    try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
      p.setLong(1, fromMillis);
      p.setLong(2, bucketMillis);
      p.setLong(3, fromMillis);
      p.setLong(4, toMillis);
      for (int i = 0; i < outcomes.size(); i++) {
        p.setString(5 + i, outcomes.get(i));
      }
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(new Count(label, fromMillis + r.getLong(1) * bucketMillis, r.getLong(2)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("could not count audit events: " + e.getMessage(), e);
    }
  }

  /**
   * The {@code limit} targets of {@code action} (a tool name for {@code tools/call}) asked for most
   * often between the two times, one count per call (a call's completion event is not counted again).
   */
  public List<Count> topTargets(long fromMillis, long toMillis, String action, int limit) {
    String sql = "SELECT target, COUNT(*) FROM audit_events WHERE ts >= ? AND ts < ? AND action = ?"
        + " AND phase <> 'completed' GROUP BY target ORDER BY COUNT(*) DESC, target LIMIT ?";
    List<Count> out = new ArrayList<>();
    try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
      p.setLong(1, fromMillis);
      p.setLong(2, toMillis);
      p.setString(3, action);
      p.setInt(4, limit);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(new Count(r.getString(1), fromMillis, r.getLong(2)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("could not count audit events: " + e.getMessage(), e);
    }
  }

  private static void eq(StringBuilder sql, List<Object> args, String column, String value) {
    if (value != null && !value.isEmpty()) {
      sql.append(" AND ").append(column).append(" = ?");
      args.add(value);
    }
  }

  /** The head of the chain as the store records it: the last sequence number and hash written. */
  public record Head(long seq, String hash) {}

  public Head head() {
    try (Connection c = ds.getConnection();
        PreparedStatement p = c.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
        ResultSet r = p.executeQuery()) {
      r.next();
      return new Head(r.getLong(1), r.getString(2));
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the audit chain's head: " + e.getMessage(), e);
    }
  }

  /** Whether the newest event was chained with a key (then a missing key file is a lost key, not a first start). */
  public boolean keyed() {
    try (Connection c = ds.getConnection();
        PreparedStatement p = c.prepareStatement("SELECT chain FROM audit_events ORDER BY seq DESC LIMIT 1");
        ResultSet r = p.executeQuery()) {
      return r.next() && !ChainDigest.LEGACY.equals(r.getString(1));
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the audit trail: " + e.getMessage(), e);
    }
  }

  /** Receives events in chain order; returns false to stop. */
  @FunctionalInterface
  public interface Visitor {
    boolean visit(AuditEvent e);
  }

  /** Every event in sequence order, streamed (the trail may be larger than memory). */
  public void scan(Visitor visitor) {
    try (Connection c = ds.getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false); // PostgreSQL streams with a fetch size only inside a transaction
      try (PreparedStatement p = c.prepareStatement("SELECT " + COLUMNS + " FROM audit_events ORDER BY seq")) {
        p.setFetchSize(1000);
        try (ResultSet r = p.executeQuery()) {
          while (r.next() && visitor.visit(read(r))) {
            // visiting
          }
        }
      } finally {
        c.rollback();
        c.setAutoCommit(auto);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the audit trail: " + e.getMessage(), e);
    }
  }

  /** Keeps a copy of a checkpoint (the sinks hold the copies that matter). */
  public void saveCheckpoint(Checkpoint cp) {
    try (Connection c = ds.getConnection(); PreparedStatement p = c.prepareStatement(
        "INSERT INTO audit_checkpoints (seq, ts, kid, jws) VALUES (?,?,?,?) ON CONFLICT (seq) DO NOTHING")) {
      p.setLong(1, cp.seq());
      p.setLong(2, cp.ts());
      p.setString(3, cp.kid());
      p.setString(4, cp.jws());
      p.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("could not store an audit checkpoint: " + e.getMessage(), e);
    }
  }

  /** The stored checkpoints' JWS, newest first. */
  public List<String> checkpoints(int limit) {
    try (Connection c = ds.getConnection();
        PreparedStatement p = c.prepareStatement("SELECT jws FROM audit_checkpoints ORDER BY seq DESC LIMIT ?")) {
      p.setInt(1, limit);
      List<String> out = new ArrayList<>();
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(r.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("could not read audit checkpoints: " + e.getMessage(), e);
    }
  }
}
