package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Rewrites what goes back to the client, in the client's own wire format (the guard restoring
 * pseudonymised values and scanning completions). Null when nothing needs rewriting, which is
 * the common case and costs nothing. One instance per request; runs on the request's event loop.
 */
public interface ResponseFilter {
  /** The complete (non-streaming) body for the client, or null when it must not reach the client. */
  Buffer body(Buffer clientBody);

  /** Why {@link #body} refused, for the error the client gets. */
  String refusal();

  /** One complete SSE event of the client's stream; writes what may go out now to {@code out}. */
  void event(Buffer event, Consumer<Buffer> out);

  /** The stream ended normally: writes whatever is still held back. */
  void end(Consumer<Buffer> out);
}
