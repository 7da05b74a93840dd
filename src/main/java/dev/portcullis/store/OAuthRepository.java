package dev.portcullis.store;

import dev.portcullis.oauth.OAuthStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/** The authorization server's state in the store's {@code oauth_items} table (SQLite or PostgreSQL). Blocking. */
public final class OAuthRepository implements OAuthStore {
  private final DataSource ds;

  public OAuthRepository(DataSource ds) {
    this.ds = ds;
  }

  @Override
  public void put(String kind, String id, String data, long expiresAt) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO oauth_items (kind, id, data, expires_at, consumed) "
            + "VALUES (?, ?, ?, ?, 0) ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, "
            + "expires_at = excluded.expires_at, consumed = 0")) {
      ps.setString(1, kind);
      ps.setString(2, id);
      ps.setString(3, data);
      ps.setLong(4, expiresAt);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot save an OAuth item", e);
    }
  }

  @Override
  public String putIfAbsent(String kind, String id, String data, long expiresAt) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO oauth_items (kind, id, data, expires_at, consumed) "
            + "VALUES (?, ?, ?, ?, 0) ON CONFLICT (kind, id) DO NOTHING")) {
      ps.setString(1, kind);
      ps.setString(2, id);
      ps.setString(3, data);
      ps.setLong(4, expiresAt);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot save an OAuth item", e);
    }
    Item i = read(kind, id);
    return i == null ? data : i.data();
  }

  @Override
  public Item get(String kind, String id) {
    Item i = read(kind, id);
    return i == null || i.expiresAt() <= System.currentTimeMillis() ? null : i;
  }

  private Item read(String kind, String id) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT data, consumed, expires_at FROM oauth_items "
            + "WHERE kind = ? AND id = ?")) {
      ps.setString(1, kind);
      ps.setString(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Item(rs.getString(1), rs.getInt(2) != 0, rs.getLong(3)) : null;
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read an OAuth item", e);
    }
  }

  @Override
  public Item consume(String kind, String id) {
    int won;
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("UPDATE oauth_items SET consumed = 1 WHERE kind = ? AND id = ? "
            + "AND consumed = 0")) {
      ps.setString(1, kind);
      ps.setString(2, id);
      won = ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot consume an OAuth item", e);
    }
    Item i = read(kind, id);
    if (i == null || i.expiresAt() <= System.currentTimeMillis()) {
      return null;
    }
    return new Item(i.data(), won == 0, i.expiresAt());
  }

  @Override
  public void delete(String kind, String id) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM oauth_items WHERE kind = ? AND id = ?")) {
      ps.setString(1, kind);
      ps.setString(2, id);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot delete an OAuth item", e);
    }
  }

  @Override
  public void purge(long now) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM oauth_items WHERE expires_at <= ?")) {
      ps.setLong(1, now);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot purge OAuth items", e);
    }
  }
}
