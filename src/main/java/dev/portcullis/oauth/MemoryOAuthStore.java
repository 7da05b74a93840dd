package dev.portcullis.oauth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The authorization server's state in this process only (no store configured). */
public final class MemoryOAuthStore implements OAuthStore {
  private static final int MAX_ITEMS = 200_000;
  private final Map<String, Item> items = new ConcurrentHashMap<>();

  private static String key(String kind, String id) {
    return kind + '\u0000' + id;
  }

  @Override
  public void put(String kind, String id, String data, long expiresAt) {
    if (items.size() >= MAX_ITEMS) {
      purge(System.currentTimeMillis());
      if (items.size() >= MAX_ITEMS) {
        throw new IllegalStateException("too many pending authorization server items");
      }
    }
    items.put(key(kind, id), new Item(data, false, expiresAt));
  }

  @Override
  public String putIfAbsent(String kind, String id, String data, long expiresAt) {
    Item prev = items.putIfAbsent(key(kind, id), new Item(data, false, expiresAt));
    return prev == null ? data : prev.data();
  }

  @Override
  public Item get(String kind, String id) {
    Item i = items.get(key(kind, id));
    return i == null || i.expiresAt() <= System.currentTimeMillis() ? null : i;
  }

  @Override
  public Item consume(String kind, String id) {
    long now = System.currentTimeMillis();
    Item[] before = new Item[1];
    items.computeIfPresent(key(kind, id), (k, i) -> {
      before[0] = i;
      return i.consumed() ? i : new Item(i.data(), true, i.expiresAt());
    });
    Item i = before[0];
    return i == null || i.expiresAt() <= now ? null : i;
  }

  @Override
  public void delete(String kind, String id) {
    items.remove(key(kind, id));
  }

  @Override
  public void purge(long now) {
    items.values().removeIf(i -> i.expiresAt() <= now);
  }
}
