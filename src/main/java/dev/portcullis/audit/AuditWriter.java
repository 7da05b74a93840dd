package dev.portcullis.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes audit events to the store on its own thread, in one chain. Two ways in:
 * {@link #commit} (write-ahead: the future completes only once the event is committed, so an
 * MCP tool call waits for it before going upstream) and {@link #record} (batched: LLM calls,
 * written every {@code flushMs}). Every event is HMAC'd under the chain key as it joins the
 * chain. Committed events then go to the export sinks, followed by a signed checkpoint of the
 * chain's head whenever one is due (see {@link Checkpointer}). A batch the store refused stays
 * queued and is retried.
 */
public final class AuditWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);
  private static final int MAX_PENDING = 1_000_000;
  private static final int BATCH = 500;

  private record Pending(AuditEvent event, CompletableFuture<AuditEvent> done) {}

  private final AuditRepository repo;
  private final ChainKey key;
  private final Checkpointer checkpoints;
  private final List<AuditSink> sinks;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final ScheduledExecutorService thread;

  public AuditWriter(AuditRepository repo, ChainKey key, Checkpointer checkpoints, List<AuditSink> sinks,
      long flushMs) {
    this.repo = repo;
    this.key = key;
    this.checkpoints = checkpoints;
    this.sinks = List.copyOf(sinks);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "portcullis-audit-writer");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::flushQuietly, flushMs, flushMs, TimeUnit.MILLISECONDS);
  }

  public AuditRepository repository() {
    return repo;
  }

  /** Queues an event for the next batch (never blocks). */
  public void record(AuditEvent e) {
    if (queued.get() >= MAX_PENDING) {
      LOG.warn("audit writer is {} events behind; dropping event {}", MAX_PENDING, e.id());
      return;
    }
    queue.offer(new Pending(e, null));
    queued.incrementAndGet();
  }

  /** Writes the event (with whatever is queued before it) now; completes once it is committed. */
  public CompletableFuture<AuditEvent> commit(AuditEvent e) {
    CompletableFuture<AuditEvent> done = new CompletableFuture<>();
    queue.offer(new Pending(e, done));
    queued.incrementAndGet();
    thread.execute(this::flushQuietly);
    return done;
  }

  /** Writes everything queued so far and waits (blocking; not on an event loop). */
  public void flush() throws Exception {
    thread.submit(this::flushOrThrow).get(30, TimeUnit.SECONDS);
  }

  private void flushQuietly() {
    try {
      flushOrThrow();
    } catch (RuntimeException e) {
      LOG.warn("could not write audit events; will retry: {}", e.getMessage());
    }
  }

  private final List<Pending> retry = new ArrayList<>();

  private void flushOrThrow() {
    while (true) {
      List<Pending> batch = new ArrayList<>(retry);
      retry.clear();
      Pending p;
      while (batch.size() < BATCH && (p = queue.poll()) != null) {
        batch.add(p);
      }
      if (batch.isEmpty()) {
        emit(checkpoints.due(System.currentTimeMillis()));
        return;
      }
      List<AuditEvent> events = new ArrayList<>(batch.size());
      for (Pending b : batch) {
        events.add(b.event());
      }
      List<AuditEvent> written;
      try {
        written = repo.append(events, key);
      } catch (RuntimeException e) {
        retry.addAll(batch);
        for (Pending b : batch) {
          if (b.done() != null) {
            b.done().completeExceptionally(e); // the caller must not proceed as if it were recorded
          }
        }
        retry.removeIf(b -> b.done() != null);
        throw e;
      }
      queued.addAndGet(-batch.size());
      for (int i = 0; i < batch.size(); i++) {
        if (batch.get(i).done() != null) {
          batch.get(i).done().complete(written.get(i));
        }
      }
      export(written);
      emit(checkpoints.written(written, System.currentTimeMillis()));
    }
  }

  private void export(List<? extends AuditRecord> records) {
    for (AuditSink s : sinks) {
      try {
        s.accept(records);
      } catch (RuntimeException e) {
        LOG.warn("audit sink {} failed: {}", s.getClass().getSimpleName(), e.toString());
      }
    }
  }

  /** A checkpoint goes to every sink (the anchors outside the database) and, as a copy, to the store. */
  private void emit(Checkpoint cp) {
    if (cp == null) {
      return;
    }
    export(List.of(cp));
    try {
      repo.saveCheckpoint(cp);
    } catch (RuntimeException e) {
      LOG.warn("could not keep a copy of audit checkpoint {}: {}", cp.seq(), e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      thread.submit(() -> {
        flushQuietly();
        emit(checkpoints.closing(System.currentTimeMillis())); // anchors the last events written
      }).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("could not write the last audit events: {}", e.toString());
    }
    thread.shutdownNow();
    for (AuditSink s : sinks) {
      try {
        s.close();
      } catch (RuntimeException e) {
        LOG.warn("could not close audit sink: {}", e.toString());
      }
    }
  }
}
