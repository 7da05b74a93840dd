package dev.portcullis.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.identity.Team;
import dev.portcullis.identity.VirtualKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** Virtual keys and teams. Blocking. */
public final class KeyRepository {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY_COLUMNS = "id, name, key_hash, key_prefix, team_id, owner, models, rpm, tpm,"
      + " max_parallel, budget_nanos, budget_period, expires_at, metadata, disabled, created_at, updated_at";

  private final DataSource ds;

  KeyRepository(DataSource ds) {
    this.ds = ds;
  }

  public void insert(VirtualKey k) {
    update("INSERT INTO virtual_keys (" + KEY_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ps -> {
      ps.setString(1, k.id());
      bindKey(ps, k, 2);
    });
  }

  /** Replaces every field of the key with this id; false when there is no such key. */
  public boolean update(VirtualKey k) {
    return update("UPDATE virtual_keys SET name=?, key_hash=?, key_prefix=?, team_id=?, owner=?, models=?, rpm=?,"
        + " tpm=?, max_parallel=?, budget_nanos=?, budget_period=?, expires_at=?, metadata=?, disabled=?,"
        + " created_at=?, updated_at=? WHERE id=?", ps -> {
          bindKey(ps, k, 1);
          ps.setString(17, k.id());
        }) > 0;
  }

  public boolean delete(String id) {
    return update("DELETE FROM virtual_keys WHERE id=?", ps -> ps.setString(1, id)) > 0;
  }

  public List<VirtualKey> list() {
    return query("SELECT " + KEY_COLUMNS + " FROM virtual_keys ORDER BY created_at, id", ps -> { },
        KeyRepository::key);
  }

  /**
   * One page of keys, newest first, whose name, owner or key prefix contains {@code search}
   * (case-insensitive; null or blank for all): a list that stays fast with many keys.
   */
  public List<VirtualKey> page(String search, int offset, int limit) {
    String like = like(search);
    return query("SELECT " + KEY_COLUMNS + " FROM virtual_keys" + (like == null ? "" : SEARCH)
        + " ORDER BY created_at DESC, id LIMIT ? OFFSET ?", ps -> {
          int i = bindSearch(ps, like);
          ps.setInt(i++, limit);
          ps.setInt(i, offset);
        }, KeyRepository::key);
  }

  /** How many keys {@link #page} would list in all for {@code search}. */
  public long count(String search) {
    String like = like(search);
    return query("SELECT COUNT(*) FROM virtual_keys" + (like == null ? "" : SEARCH), ps -> bindSearch(ps, like),
        rs -> rs.getLong(1)).get(0);
  }

  private static final String SEARCH = " WHERE LOWER(name) LIKE ? ESCAPE '!' OR LOWER(COALESCE(owner, '')) LIKE ?"
      + " ESCAPE '!' OR LOWER(key_prefix) LIKE ? ESCAPE '!'";

  /** The LIKE pattern for a search text, its own % and _ taken literally; null for no search. */
  private static String like(String search) {
    if (search == null || search.isBlank()) {
      return null;
    }
    String escaped = search.trim().toLowerCase(java.util.Locale.ROOT).replace("!", "!!").replace("%", "!%")
        .replace("_", "!_");
    return "%" + escaped + "%";
  }

  private static int bindSearch(PreparedStatement ps, String like) throws SQLException {
    if (like == null) {
      return 1;
    }
    ps.setString(1, like);
    ps.setString(2, like);
    ps.setString(3, like);
    return 4;
  }

  /** The key with this id, or else with this name. */
  public Optional<VirtualKey> find(String idOrName) {
    return query("SELECT " + KEY_COLUMNS + " FROM virtual_keys WHERE id=? OR name=? ORDER BY id",
        ps -> {
          ps.setString(1, idOrName);
          ps.setString(2, idOrName);
        }, KeyRepository::key).stream().findFirst();
  }

  public void insertTeam(Team t) {
    update("INSERT INTO teams (id, name, budget_nanos, budget_period, metadata, created_at) VALUES (?,?,?,?,?,?)",
        ps -> {
          ps.setString(1, t.id());
          bindTeam(ps, t, 2);
        });
  }

  public boolean updateTeam(Team t) {
    return update("UPDATE teams SET name=?, budget_nanos=?, budget_period=?, metadata=?, created_at=? WHERE id=?",
        ps -> {
          bindTeam(ps, t, 1);
          ps.setString(6, t.id());
        }) > 0;
  }

  public boolean deleteTeam(String id) {
    return update("DELETE FROM teams WHERE id=?", ps -> ps.setString(1, id)) > 0;
  }

  public List<Team> teams() {
    return query("SELECT id, name, budget_nanos, budget_period, metadata, created_at FROM teams ORDER BY name",
        ps -> { }, KeyRepository::team);
  }

  public Optional<Team> findTeam(String idOrName) {
    return query("SELECT id, name, budget_nanos, budget_period, metadata, created_at FROM teams"
        + " WHERE id=? OR name=? ORDER BY id", ps -> {
          ps.setString(1, idOrName);
          ps.setString(2, idOrName);
        }, KeyRepository::team).stream().findFirst();
  }

  private static void bindKey(PreparedStatement ps, VirtualKey k, int i) throws SQLException {
    ps.setString(i++, k.name());
    ps.setString(i++, k.keyHash());
    ps.setString(i++, k.keyPrefix());
    ps.setString(i++, k.teamId());
    ps.setString(i++, k.owner());
    ps.setString(i++, k.models().isEmpty() ? null : String.join(",", k.models()));
    setInt(ps, i++, k.rpm());
    setLong(ps, i++, k.tpm());
    setInt(ps, i++, k.maxParallel());
    setLong(ps, i++, k.budgetNanos());
    ps.setString(i++, k.budgetPeriod());
    setLong(ps, i++, k.expiresAt());
    ps.setString(i++, json(k.metadata()));
    ps.setInt(i++, k.disabled() ? 1 : 0);
    ps.setLong(i++, k.createdAt());
    ps.setLong(i, k.updatedAt());
  }

  private static void bindTeam(PreparedStatement ps, Team t, int i) throws SQLException {
    ps.setString(i++, t.name());
    setLong(ps, i++, t.budgetNanos());
    ps.setString(i++, t.budgetPeriod());
    ps.setString(i++, json(t.metadata()));
    ps.setLong(i, t.createdAt());
  }

  private static VirtualKey key(ResultSet rs) throws SQLException {
    String models = rs.getString(7);
    return new VirtualKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), models == null || models.isEmpty() ? List.of() : Arrays.asList(models.split(",")),
        getInt(rs, 8), getLong(rs, 9), getInt(rs, 10), getLong(rs, 11), rs.getString(12), getLong(rs, 13),
        map(rs.getString(14)), rs.getInt(15) != 0, rs.getLong(16), rs.getLong(17));
  }

  private static Team team(ResultSet rs) throws SQLException {
    return new Team(rs.getString(1), rs.getString(2), getLong(rs, 3), rs.getString(4), map(rs.getString(5)),
        rs.getLong(6));
  }

  private static void setInt(PreparedStatement ps, int i, Integer v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.INTEGER);
    } else {
      ps.setInt(i, v);
    }
  }

  private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.BIGINT);
    } else {
      ps.setLong(i, v);
    }
  }

  private static Integer getInt(ResultSet rs, int i) throws SQLException {
    int v = rs.getInt(i);
    return rs.wasNull() ? null : v;
  }

  private static Long getLong(ResultSet rs, int i) throws SQLException {
    long v = rs.getLong(i);
    return rs.wasNull() ? null : v;
  }

  private static String json(Map<String, String> m) {
    if (m.isEmpty()) {
      return null;
    }
    try {
      return JSON.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> map(String s) {
    if (s == null || s.isEmpty()) {
      return Map.of();
    }
    try {
      return JSON.readValue(s, new TypeReference<Map<String, String>>() { });
    } catch (JsonProcessingException e) {
      return Map.of();
    }
  }

  interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private int update(String sql, Binder binder) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException(describe(e), e);
    }
  }

  private <T> List<T> query(String sql, Binder binder, Row<T> row) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(row.read(rs));
        }
        return out;
      }
    } catch (SQLException e) {
      throw new StoreException(describe(e), e);
    }
  }

  static String describe(SQLException e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    String lower = m.toLowerCase();
    if (lower.contains("unique") || "23505".equals(e.getSQLState())) {
      return "already exists (a key or team with that name): " + m;
    }
    return m;
  }
}
