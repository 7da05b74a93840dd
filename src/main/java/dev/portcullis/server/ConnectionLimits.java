package dev.portcullis.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open client connections, in total and per IP address, against {@code server.max_connections}
 * and {@code server.max_connections_per_address}. One instance serves every event loop of the
 * listener (they share the port, so the caps are the listener's, not one loop's).
 */
public final class ConnectionLimits {
  /** Why a connection was refused; the value is the metric label. */
  public enum Refusal {
    PER_ADDRESS("per_address"), TOTAL("max_connections");

    final String label;

    Refusal(String label) {
      this.label = label;
    }
  }

  private final int max;
  private final int perAddress;
  private final AtomicInteger open = new AtomicInteger();
  /** Only addresses with a connection open; an entry goes when its last connection closes. */
  private final ConcurrentHashMap<String, Integer> byAddress = new ConcurrentHashMap<>();

  /**
   * @param max open connections at most (0: no cap)
   * @param perAddress open connections at most from one address (0: no cap)
   */
  public ConnectionLimits(int max, int perAddress) {
    this.max = max;
    this.perAddress = perAddress;
  }

  /**
   * Counts a new connection from {@code address}, or refuses it (then nothing is counted and
   * {@link #closed} must not be called for it).
   *
   * @return null when admitted, else why not
   */
  public Refusal opened(String address) {
    if (open.incrementAndGet() > max && max > 0) {
      open.decrementAndGet();
      return Refusal.TOTAL;
    }
    if (perAddress > 0) {
      boolean[] full = {false};
      byAddress.compute(address, (a, n) -> {
        int count = n == null ? 0 : n;
        full[0] = count >= perAddress;
        return full[0] ? n : Integer.valueOf(count + 1);
      });
      if (full[0]) {
        open.decrementAndGet();
        return Refusal.PER_ADDRESS;
      }
    }
    return null;
  }

  /** An admitted connection from {@code address} closed. */
  public void closed(String address) {
    open.decrementAndGet();
    if (perAddress > 0) {
      byAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** Connections open now. */
  public int open() {
    return open.get();
  }
}
