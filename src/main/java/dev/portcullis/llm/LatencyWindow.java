package dev.portcullis.llm;

import java.util.Arrays;

/**
 * The latencies of a deployment's last {@value #SIZE} successful attempts, for its median and
 * last value on /admin/status. Written on every success (a lock held for one store), read only
 * when an admin asks.
 */
public final class LatencyWindow {
  static final int SIZE = 64;

  private final long[] nanos = new long[SIZE];
  private int count;
  private int next;

  synchronized void record(long latencyNanos) {
    nanos[next] = latencyNanos;
    next = (next + 1) % SIZE;
    count = Math.min(count + 1, SIZE);
  }

  /** The latest latency in ms, or -1 when none was recorded. */
  public synchronized double lastMs() {
    return count == 0 ? -1 : nanos[(next + SIZE - 1) % SIZE] / 1e6;
  }

  /** The median of the window in ms, or -1 when none was recorded. */
  public synchronized double p50Ms() {
    if (count == 0) {
      return -1;
    }
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    return sorted[(count - 1) / 2] / 1e6;
  }
}
