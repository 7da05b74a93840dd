package dev.portcullis.store;

import dev.portcullis.identity.credentials.ConnectionStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The users' upstream connections in the {@code upstream_connections} table (encrypted records). Blocking. */
public final class ConnectionRepository implements ConnectionStore {
  private final DataSource ds;

  public ConnectionRepository(DataSource ds) {
    this.ds = ds;
  }

  @Override
  public Row get(String upstream, String userId) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT data, updated_at FROM upstream_connections "
            + "WHERE upstream = ? AND user_id = ?")) {
      ps.setString(1, upstream);
      ps.setString(2, userId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Row(upstream, userId, rs.getString(1), rs.getLong(2)) : null;
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read an upstream connection", e);
    }
  }

  @Override
  public void put(String upstream, String userId, String sealed, long now) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO upstream_connections (upstream, user_id, data, "
            + "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (upstream, user_id) DO UPDATE SET data = excluded.data, "
            + "updated_at = excluded.updated_at")) {
      ps.setString(1, upstream);
      ps.setString(2, userId);
      ps.setString(3, sealed);
      ps.setLong(4, now);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot save an upstream connection", e);
    }
  }

  @Override
  public boolean delete(String upstream, String userId) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM upstream_connections WHERE upstream = ? "
            + "AND user_id = ?")) {
      ps.setString(1, upstream);
      ps.setString(2, userId);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new StoreException("cannot delete an upstream connection", e);
    }
  }

  @Override
  public List<Row> list(String userId) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT upstream, data, updated_at FROM upstream_connections "
            + "WHERE user_id = ? ORDER BY upstream")) {
      ps.setString(1, userId);
      List<Row> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Row(rs.getString(1), userId, rs.getString(2), rs.getLong(3)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot list upstream connections", e);
    }
  }
}
