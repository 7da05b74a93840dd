package dev.portcullis.telemetry;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Log lines to stdout, written by one thread in batches: a logging thread (an event loop writing
 * its access line) only queues the event, and the writer wakes every {@code flushMs}, or at once
 * when a batch's worth is waiting, encodes what has queued and writes it with one system call.
 * A line per request written and flushed on its own (logback's AsyncAppender in front of a
 * ConsoleAppender) cost a thread wake-up and a write(2) per request: on a busy gateway a tenth of
 * its CPU. A line waits at most {@code flushMs}; what is queued is written at shutdown. When more
 * than {@code queueSize} lines wait (stdout blocked), further lines are dropped and counted, and
 * the count is logged once the writer catches up, never the event loops blocked.
 *
 * <p>Writes to {@link System#out} as it is at each write, so a process that points stdout
 * elsewhere (the stdio MCP demo keeps stdout for protocol messages) moves its logs with it.
 */
public final class BatchedStdoutAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  /** Lines that make a batch worth writing before the interval ends. */
  private static final int WAKE_AT = 256;
  /** Bytes written per system call at most. */
  private static final int CHUNK = 64 * 1024;

  private Encoder<ILoggingEvent> encoder;
  private int queueSize = 8192;
  private long flushMs = 20;
  private final ConcurrentLinkedQueue<ILoggingEvent> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final ByteArrayOutputStream batch = new ByteArrayOutputStream(CHUNK);
  private volatile boolean running;
  private Thread writer;
  private Thread atExit;

  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  public void setFlushMs(long flushMs) {
    this.flushMs = flushMs;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("no encoder for appender " + name);
      return;
    }
    running = true;
    writer = new Thread(this::writeUntilStopped, "portcullis-log-writer");
    writer.setDaemon(true);
    writer.start();
    // a line logged just before the process exits still reaches stdout
    atExit = new Thread(this::drain, "portcullis-log-flush");
    Runtime.getRuntime().addShutdownHook(atExit);
    super.start();
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    running = false;
    LockSupport.unpark(writer);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(atExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs (or ran) anyway
    }
    drain();
  }

  @Override
  protected void append(ILoggingEvent e) {
    if (queued.get() >= queueSize) {
      dropped.incrementAndGet();
      return;
    }
    e.prepareForDeferredProcessing(); // the message, thread name and MDC as they are now
    queue.offer(e);
    if (queued.incrementAndGet() == WAKE_AT) {
      LockSupport.unpark(writer);
    }
  }

  private void writeUntilStopped() {
    while (running) {
      if (queued.get() < WAKE_AT) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(flushMs));
      }
      drain();
    }
  }

  /** Encodes and writes everything queued now. One writer at a time: the thread, or the exit hook. */
  private synchronized void drain() {
    ILoggingEvent e;
    while ((e = queue.poll()) != null) {
      queued.decrementAndGet();
      add(e);
    }
    long lost = dropped.getAndSet(0);
    if (lost > 0) {
      add(droppedLine(lost));
    }
    write();
  }

  private void add(ILoggingEvent e) {
    try {
      batch.writeBytes(encoder.encode(e));
    } catch (RuntimeException encodingFailed) {
      addError("could not encode a log line", encodingFailed);
    }
    if (batch.size() >= CHUNK) {
      write();
    }
  }

  private void write() {
    if (batch.size() == 0) {
      return;
    }
    PrintStream out = System.out;
    synchronized (out) {
      try {
        batch.writeTo(out);
      } catch (java.io.IOException cannot) {
        // a PrintStream does not throw; it notes its errors
      }
      out.flush();
    }
    batch.reset();
  }

  private ILoggingEvent droppedLine(long lost) {
    LoggerContext ctx = (LoggerContext) getContext();
    LoggingEvent warn = new LoggingEvent(BatchedStdoutAppender.class.getName(),
        ctx.getLogger(BatchedStdoutAppender.class), Level.WARN,
        "log lines dropped: stdout did not keep up", null, null);
    warn.addKeyValuePair(new org.slf4j.event.KeyValuePair("dropped", lost));
    return warn;
  }
}
