package dev.portcullis.eventloop;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;

/**
 * Timeouts on one Vert.x context, for the price of about one timer per timeout length and period
 * instead of one per timeout. Every request arms several (the client's body and idle clocks, the
 * upstream's first byte and total) and nearly all are cancelled within a millisecond; a Vert.x
 * timer each meant a scheduled task, a map entry and a priority-queue insert and removal, four
 * times per request.
 *
 * <p>Timeouts of the same length are due in the order they were set, so each length keeps a
 * linked list in that order (cancelling unlinks in constant time) and one timer for the earliest.
 * When that timer fires, the due ones run and the timer is set again for the new earliest; a
 * cancelled earliest costs at most one early wake-up. A timeout runs at or after its time, never
 * before, on the context that set it.
 *
 * <p>Confined to its context (an event loop): not thread-safe, and not meant to be.
 */
public final class Deadlines {
  private static final String KEY = Deadlines.class.getName();

  private final Vertx vertx;
  private final Map<Long, Lane> lanes = new HashMap<>();

  private Deadlines(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The deadlines of the context the caller runs on (made on first use). */
  public static Deadlines here(Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    Deadlines d = context.get(KEY);
    if (d == null) {
      d = new Deadlines(vertx);
      context.put(KEY, d);
    }
    return d;
  }

  /** Runs {@code action} on this context once {@code millis} passed, unless cancelled before. */
  public Deadline after(long millis, Runnable action) {
    long ms = Math.max(1, millis);
    Lane lane = lanes.get(ms);
    if (lane == null) {
      lane = new Lane(ms);
      lanes.put(ms, lane);
    }
    return lane.add(action);
  }

  /** One pending timeout. */
  public static final class Deadline {
    private final Lane lane;
    private final long dueNanos;
    private final Runnable action;
    private Deadline prev;
    private Deadline next;
    private boolean linked = true;

    private Deadline(Lane lane, long dueNanos, Runnable action) {
      this.lane = lane;
      this.dueNanos = dueNanos;
      this.action = action;
    }

    /** Stops it from running; nothing when it ran or was cancelled already. */
    public void cancel() {
      if (linked) {
        lane.unlink(this);
      }
    }
  }

  /** The timeouts of one length, earliest first, and the one timer for the earliest. */
  private final class Lane {
    private final long millis;
    private Deadline head;
    private Deadline tail;
    private boolean timerSet;
    private boolean firing;

    Lane(long millis) {
      this.millis = millis;
    }

    Deadline add(Runnable action) {
      Deadline d = new Deadline(this, System.nanoTime() + millis * 1_000_000L, action);
      if (tail == null) {
        head = d;
      } else {
        tail.next = d;
        d.prev = tail;
      }
      tail = d;
      if (!timerSet && !firing) {
        setTimer(d.dueNanos);
      }
      return d;
    }

    void unlink(Deadline d) {
      if (d.prev == null) {
        head = d.next;
      } else {
        d.prev.next = d.next;
      }
      if (d.next == null) {
        tail = d.prev;
      } else {
        d.next.prev = d.prev;
      }
      d.prev = null;
      d.next = null;
      d.linked = false;
    }

    private void setTimer(long dueNanos) {
      timerSet = true;
      long waitMs = Math.max(1, (dueNanos - System.nanoTime() + 999_999) / 1_000_000);
      vertx.setTimer(waitMs, id -> fire());
    }

    private void fire() {
      timerSet = false;
      firing = true;
      try {
        long now = System.nanoTime();
        while (head != null && head.dueNanos - now <= 0) {
          Deadline d = head;
          unlink(d);
          d.action.run();
        }
      } finally {
        firing = false;
        if (head != null) {
          setTimer(head.dueNanos);
        }
      }
    }
  }
}
