package dev.portcullis.identity.credentials;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Connections in this process only (no store configured): lost on restart. Records stay encrypted. */
public final class MemoryConnectionStore implements ConnectionStore {
  private final Map<String, Row> rows = new ConcurrentHashMap<>();

  private static String key(String upstream, String userId) {
    return upstream + '\u0000' + userId;
  }

  @Override
  public Row get(String upstream, String userId) {
    return rows.get(key(upstream, userId));
  }

  @Override
  public void put(String upstream, String userId, String sealed, long now) {
    rows.put(key(upstream, userId), new Row(upstream, userId, sealed, now));
  }

  @Override
  public boolean delete(String upstream, String userId) {
    return rows.remove(key(upstream, userId)) != null;
  }

  @Override
  public List<Row> list(String userId) {
    List<Row> out = new ArrayList<>();
    rows.values().stream().filter(r -> r.userId().equals(userId)).forEach(out::add);
    return out;
  }
}
