package dev.portcullis.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.responses.ResponseStore;
import dev.portcullis.llm.responses.StoredResponse;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Responses API responses in the store's {@code llm_responses} table (SQLite or PostgreSQL). Blocking. */
public final class ResponseRepository implements ResponseStore {
  private final DataSource ds;
  private final ObjectMapper json;

  public ResponseRepository(DataSource ds, ObjectMapper json) {
    this.ds = ds;
    this.json = json;
  }

  @Override
  public void save(StoredResponse r) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO llm_responses (id, owner, model, created_at, "
            + "expires_at, input, response) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
      ps.setString(1, r.id());
      ps.setString(2, r.owner());
      ps.setString(3, r.model());
      ps.setLong(4, r.createdAt());
      ps.setLong(5, r.expiresAt());
      ps.setString(6, r.input().toString());
      ps.setString(7, r.response().toString());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot save a response", e);
    }
  }

  @Override
  public StoredResponse find(String id, String owner, long nowMs) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT model, created_at, expires_at, input, response "
            + "FROM llm_responses WHERE id = ? AND owner = ? AND expires_at > ?")) {
      ps.setString(1, id);
      ps.setString(2, owner);
      ps.setLong(3, nowMs);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        JsonNode input = json.readTree(rs.getString(4));
        JsonNode response = json.readTree(rs.getString(5));
        return new StoredResponse(id, owner, rs.getString(1), rs.getLong(2), rs.getLong(3), (ArrayNode) input,
            (ObjectNode) response);
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read a response", e);
    } catch (IOException | ClassCastException e) {
      throw new StoreException("a stored response is not the JSON the gateway wrote", e);
    }
  }

  @Override
  public boolean delete(String id, String owner) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM llm_responses WHERE id = ? AND owner = ?")) {
      ps.setString(1, id);
      ps.setString(2, owner);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new StoreException("cannot delete a response", e);
    }
  }

  @Override
  public int purgeExpired(long nowMs) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM llm_responses WHERE expires_at <= ?")) {
      ps.setLong(1, nowMs);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot purge expired responses", e);
    }
  }
}
