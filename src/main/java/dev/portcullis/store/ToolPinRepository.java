package dev.portcullis.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.mcp.aggregate.ToolPins;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** MCP tool pins in the store's {@code mcp_tool_pins} table (SQLite or PostgreSQL). Blocking. */
public final class ToolPinRepository implements ToolPins.PinStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final DataSource ds;

  public ToolPinRepository(DataSource ds) {
    this.ds = ds;
  }

  @Override
  public List<ToolPins.Pin> load() {
    List<ToolPins.Pin> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT server, tool, approved_fingerprint, approved_definition, "
            + "pending_fingerprint, pending_definition, updated_at, rejected FROM mcp_tool_pins");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new ToolPins.Pin(rs.getString(1), rs.getString(2), rs.getString(3), tree(rs.getString(4)),
            rs.getString(5), tree(rs.getString(6)), rs.getLong(7), rs.getInt(8) != 0));
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot load MCP tool pins", e);
    }
  }

  @Override
  public void save(ToolPins.Pin p) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO mcp_tool_pins (server, tool, approved_fingerprint, "
            + "approved_definition, pending_fingerprint, pending_definition, updated_at, rejected)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (server, tool) DO UPDATE SET approved_fingerprint = excluded.approved_fingerprint, "
            + "approved_definition = excluded.approved_definition, pending_fingerprint = excluded.pending_fingerprint, "
            + "pending_definition = excluded.pending_definition, updated_at = excluded.updated_at, "
            + "rejected = excluded.rejected")) {
      ps.setString(1, p.server());
      ps.setString(2, p.tool());
      ps.setString(3, p.approved());
      ps.setString(4, p.approvedDefinition() == null ? null : p.approvedDefinition().toString());
      ps.setString(5, p.pending());
      ps.setString(6, p.pendingDefinition() == null ? null : p.pendingDefinition().toString());
      ps.setLong(7, p.updatedAt());
      ps.setInt(8, p.rejected() ? 1 : 0);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot save an MCP tool pin", e);
    }
  }

  private static JsonNode tree(String s) {
    if (s == null) {
      return null;
    }
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      return null;
    }
  }
}
