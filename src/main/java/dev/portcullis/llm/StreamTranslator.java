package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Turns one upstream event stream into the client's event stream, chunk by chunk, and
 * collects usage on the way. One instance per attempt; not thread-safe (one event loop).
 */
public interface StreamTranslator {
  /**
   * Consumes raw upstream bytes; writes whatever is ready for the client to {@code out}.
   *
   * @throws InvalidUpstreamResponseException when an event breaks the provider's stream format;
   *     the translator is abandoned then
   */
  void onData(Buffer upstream, Consumer<Buffer> out);

  /**
   * The upstream ended its stream; flushes anything held back. An event cut short by the end is
   * dropped (the stream then is not {@link #completed}); a whole one is still handled.
   */
  void onEnd(Consumer<Buffer> out);

  /** Usage reported by the upstream, or estimated from what streamed when it reported none. */
  Usage usage();

  /** True once the upstream signalled a normal end of the stream (for example {@code [DONE]}). */
  boolean completed();

  /**
   * An error the upstream reported inside the stream (Anthropic's {@code event: error}, a Bedrock
   * exception frame), which the translator did not write; the exchange ends the stream with its
   * surface's error event, or retries when nothing reached the client yet. Null when none.
   */
  default StreamError upstreamError() {
    return null;
  }

  /** An in-stream upstream error: a provider-neutral code (such as overloaded_error) and a message. */
  record StreamError(String code, String message, boolean retryable) {}
}
