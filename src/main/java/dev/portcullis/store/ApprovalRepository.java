package dev.portcullis.store;

import dev.portcullis.policy.Approvals;
import dev.portcullis.policy.Approvals.Approval;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/** Approvals in the store's {@code approvals} table (SQLite or PostgreSQL), shared by replicas. Blocking. */
public final class ApprovalRepository implements Approvals.Store {
  private static final String COLUMNS = "id, principal, persona, action, server, target, arguments_hash, summary,"
      + " rule, reason, status, created_at, decided_at";

  private final DataSource ds;

  public ApprovalRepository(DataSource ds) {
    this.ds = ds;
  }

  @Override
  public List<Approval> bound(String principal, String action, String target, String argumentsHash) {
    return query("SELECT " + COLUMNS + " FROM approvals WHERE principal = ? AND arguments_hash = ? AND action = ?"
        + " AND target = ?", principal, argumentsHash, action, target);
  }

  @Override
  public void insert(Approval a) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO approvals ("
        + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      int i = 1;
      ps.setString(i++, a.id());
      ps.setString(i++, a.principal());
      ps.setString(i++, a.persona());
      ps.setString(i++, a.action());
      ps.setString(i++, a.server());
      ps.setString(i++, a.target());
      ps.setString(i++, a.argumentsHash());
      ps.setString(i++, a.summary());
      ps.setString(i++, a.rule());
      ps.setString(i++, a.reason());
      ps.setString(i++, status(a.status()));
      ps.setLong(i++, a.createdAt());
      ps.setLong(i, a.decidedAt());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot save an approval: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean remove(String id, Approvals.Status status) {
    return update("DELETE FROM approvals WHERE id = ? AND status = ?", id, status(status)) == 1;
  }

  @Override
  public boolean decide(String id, Approvals.Status to, long decidedAt) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
        "UPDATE approvals SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'")) {
      ps.setString(1, status(to));
      ps.setLong(2, decidedAt);
      ps.setString(3, id);
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new StoreException("cannot decide an approval: " + e.getMessage(), e);
    }
  }

  @Override
  public Approval get(String id) {
    List<Approval> found = query("SELECT " + COLUMNS + " FROM approvals WHERE id = ?", id);
    return found.isEmpty() ? null : found.get(0);
  }

  @Override
  public List<Approval> list() {
    return query("SELECT " + COLUMNS + " FROM approvals ORDER BY created_at DESC LIMIT 10000");
  }

  @Override
  public void sweep(long pendingBefore, long decidedBefore) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("DELETE FROM approvals WHERE"
        + " (status = 'pending' AND created_at < ?) OR (status <> 'pending' AND decided_at < ?)")) {
      ps.setLong(1, pendingBefore);
      ps.setLong(2, decidedBefore);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot expire approvals: " + e.getMessage(), e);
    }
  }

  private int update(String sql, String... args) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot update approvals: " + e.getMessage(), e);
    }
  }

  private List<Approval> query(String sql, String... args) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      List<Approval> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Approval(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
              rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
              Approvals.Status.valueOf(rs.getString(11).toUpperCase(Locale.ROOT)), rs.getLong(12), rs.getLong(13)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot read approvals: " + e.getMessage(), e);
    }
  }

  private static String status(Approvals.Status s) {
    return s.name().toLowerCase(Locale.ROOT);
  }
}
