package dev.portcullis.store;

import dev.portcullis.limits.UsageRecord;
import dev.portcullis.limits.UsageSink;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes usage records in batches on its own thread: {@link #record} only enqueues (lock-free,
 * never blocks the event loop); a batch is written every {@code flushMs}, or at once when
 * {@code batchSize} records are waiting. A batch the store refused is kept and retried.
 */
public final class UsageWriter implements UsageSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UsageWriter.class);
  private static final int MAX_PENDING = 1_000_000;

  private final UsageRepository repo;
  private final int batchSize;
  private final ConcurrentLinkedQueue<UsageRecord> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean flushRequested = new AtomicBoolean();
  private final ArrayDeque<List<UsageRecord>> failed = new ArrayDeque<>();
  private final ScheduledExecutorService thread;

  public UsageWriter(UsageRepository repo, long flushMs, int batchSize) {
    this.repo = repo;
    this.batchSize = batchSize;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "portcullis-usage-writer");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::flushQuietly, flushMs, flushMs, TimeUnit.MILLISECONDS);
  }

  @Override
  public void record(UsageRecord r) {
    if (queued.get() >= MAX_PENDING) {
      LOG.warn("usage writer is {} records behind; dropping request {}", MAX_PENDING, r.requestId());
      return;
    }
    queue.offer(r);
    if (queued.incrementAndGet() >= batchSize && flushRequested.compareAndSet(false, true)) {
      thread.execute(this::flushQuietly);
    }
  }

  /** Writes everything queued so far and waits for it (blocking; not on an event loop). */
  public void flush() throws Exception {
    Future<?> f = thread.submit(this::flushOrThrow);
    f.get(30, TimeUnit.SECONDS);
  }

  public int queued() {
    return queued.get();
  }

  private void flushQuietly() {
    try {
      flushOrThrow();
    } catch (RuntimeException e) {
      LOG.warn("could not write usage records; will retry: {}", e.getMessage());
    }
  }

  private void flushOrThrow() {
    flushRequested.set(false);
    while (!failed.isEmpty()) {
      repo.insert(failed.peekFirst());
      queued.addAndGet(-failed.pollFirst().size());
    }
    while (true) {
      List<UsageRecord> batch = new ArrayList<>(Math.min(batchSize, Math.max(16, queued.get())));
      UsageRecord r;
      while (batch.size() < batchSize && (r = queue.poll()) != null) {
        batch.add(r);
      }
      if (batch.isEmpty()) {
        return;
      }
      try {
        repo.insert(batch);
      } catch (RuntimeException e) {
        failed.addLast(batch);
        throw e;
      }
      queued.addAndGet(-batch.size());
    }
  }

  /** Stops the thread after writing what is queued. */
  @Override
  public void close() {
    try {
      thread.submit(this::flushQuietly).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("could not write the last usage records: {}", e.toString());
    }
    thread.shutdownNow();
  }
}
