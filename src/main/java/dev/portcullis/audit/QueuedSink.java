package dev.portcullis.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An export sink that never holds up the audit writer: {@link #accept} only puts events in a
 * bounded queue (dropping, and counting, what does not fit), and the sink's own thread sends them
 * on in batches. A batch that cannot be delivered (after the sink's own retries) is dropped and
 * counted too: the store keeps the authoritative, hash-chained trail; exports are best effort.
 */
public abstract class QueuedSink implements AuditSink {
  private static final Logger LOG = LoggerFactory.getLogger(QueuedSink.class);
  /** Events a sink holds at most before it drops. */
  public static final int DEFAULT_CAPACITY = 10_000;

  /** Told about every event a sink dropped (a metric). */
  @FunctionalInterface
  public interface Drops {
    /**
     * @param sink syslog, webhook, otel_logs
     * @param reason queue_full (the sink fell behind) or failed (delivery failed after retries)
     */
    void dropped(String sink, String reason, int events);

    Drops NONE = (s, r, n) -> { };
  }

  private final String name;
  private final int batchSize;
  private final Drops drops;
  private final ArrayBlockingQueue<AuditRecord> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final Thread thread;
  private volatile boolean closing;
  private volatile long closeDeadlineNanos;
  private long lingerNanos;

  protected QueuedSink(String name, int capacity, int batchSize, Drops drops) {
    this.name = name;
    this.batchSize = Math.max(1, batchSize);
    this.drops = drops == null ? Drops.NONE : drops;
    this.queue = new ArrayBlockingQueue<>(Math.max(1, capacity));
    this.thread = new Thread(this::run, "portcullis-audit-" + name);
    thread.setDaemon(true);
  }

  /** How long a batch waits to fill up once its first event is in (default: not at all). */
  protected final void linger(long millis) {
    lingerNanos = TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /** Starts the sink's thread (subclasses call this once constructed). */
  protected final void startThread() {
    thread.start();
  }

  @Override
  public final void accept(List<? extends AuditRecord> records) {
    int lost = 0;
    for (AuditRecord e : records) {
      if (!queue.offer(e)) {
        lost++;
      }
    }
    if (lost > 0) {
      drop("queue_full", lost);
    }
  }

  /** Sends one batch of events and checkpoints (in chain order); throws when it could not be delivered after retries. */
  protected abstract void send(List<AuditRecord> batch) throws Exception;

  /** Releases connections once the thread is done. */
  protected void release() {}

  /** True once close() began and its grace period is over: retries should stop. */
  protected final boolean givingUp() {
    return closing && System.nanoTime() - closeDeadlineNanos > 0;
  }

  /** Events dropped so far (queue full or delivery failed). */
  public long dropped() {
    return dropped.get();
  }

  /** Events delivered so far. */
  public long delivered() {
    return delivered.get();
  }

  private void drop(String reason, int n) {
    dropped.addAndGet(n);
    try {
      drops.dropped(name, reason, n);
    } catch (RuntimeException e) {
      // a metric must not break the sink
    }
  }

  private void run() {
    List<AuditRecord> batch = new ArrayList<>(batchSize);
    while (true) {
      AuditRecord first;
      try {
        first = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        break;
      }
      if (first == null) {
        if (closing) {
          break;
        }
        continue;
      }
      batch.clear();
      batch.add(first);
      queue.drainTo(batch, batchSize - 1);
      long until = System.nanoTime() + lingerNanos;
      while (batch.size() < batchSize && lingerNanos > 0 && !closing) {
        long left = until - System.nanoTime();
        AuditRecord more;
        try {
          more = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          break;
        }
        if (more == null) {
          break;
        }
        batch.add(more);
        queue.drainTo(batch, batchSize - batch.size());
      }
      try {
        send(batch);
        delivered.addAndGet(batch.size());
      } catch (InterruptedException e) {
        drop("failed", batch.size());
        break;
      } catch (Exception e) {
        LOG.atWarn().addKeyValue("sink", name).addKeyValue("events", batch.size())
            .log("could not export audit events, dropped: {}", e.toString());
        drop("failed", batch.size());
      }
      if (givingUp()) {
        break;
      }
    }
    int left = queue.size();
    if (left > 0) {
      queue.clear();
      drop("failed", left);
    }
    release();
  }

  /** Sends what is queued (waiting up to 5 s), then stops. */
  @Override
  public void close() {
    closeDeadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    closing = true;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(7));
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(1000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
