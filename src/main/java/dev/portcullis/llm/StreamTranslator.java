package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Turns one upstream event stream into the client's event stream, chunk by chunk, and
 * collects usage on the way. One instance per attempt; not thread-safe (one event loop).
 */
public interface StreamTranslator {
  /** Consumes raw upstream bytes; writes whatever is ready for the client to {@code out}. */
  void onData(Buffer upstream, Consumer<Buffer> out);

  /** The upstream ended normally; flushes anything held back. */
  void onEnd(Consumer<Buffer> out);

  /** Usage reported by the upstream, or estimated from what streamed when it reported none. */
  Usage usage();

  /** True once the upstream signalled a normal end of the stream (for example {@code [DONE]}). */
  boolean completed();
}
