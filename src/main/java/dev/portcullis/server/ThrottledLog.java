package dev.portcullis.server;

/**
 * Decides whether an event worth a log line is logged now: at most one line per interval, the
 * line saying how many events it stands for, so a flood (a thousand refused connections) cannot
 * flood the log. Confined to one event loop.
 */
final class ThrottledLog {
  private final long intervalNanos;
  private long lastNanos;
  private boolean logged;
  private int held;

  ThrottledLog(long intervalMillis) {
    this.intervalNanos = intervalMillis * 1_000_000L;
  }

  /**
   * Counts one event.
   *
   * @return 0 when this event is not to be logged; else how many events the line stands for
   *     (this one and those held back since the last line)
   */
  int count() {
    long now = System.nanoTime();
    held++;
    if (logged && now - lastNanos < intervalNanos) {
      return 0;
    }
    logged = true;
    lastNanos = now;
    int events = held;
    held = 0;
    return events;
  }
}
