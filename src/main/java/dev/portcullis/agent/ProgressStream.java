package dev.portcullis.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.function.Consumer;

/**
 * A streamed tool loop on a surface with no events for tool steps (chat completions, Anthropic
 * Messages): each step is an SSE comment, which every SSE client skips, so the client sees the
 * stream begin and stay alive while tools run; the answer's own events come when the model has
 * answered. A run that fails after the stream began ends with the surface's error event.
 */
public final class ProgressStream implements LiveStream {
  /** The surface's event that ends a stream the gateway could not finish. */
  public interface ErrorEvent {
    Buffer of(String type, String code, String message);
  }

  private final Dialect dialect;
  private final ObjectNode request;
  private final Consumer<Buffer> out;
  private final ErrorEvent error;

  /**
   * @param request the client's request (stream options)
   */
  public ProgressStream(Dialect dialect, ObjectNode request, Consumer<Buffer> out, ErrorEvent error) {
    this.dialect = dialect;
    this.request = request;
    this.out = out;
    this.error = error;
  }

  @Override
  public void toolsListed(List<Toolbox.Tool> tools) {
    comment("portcullis: " + tools.size() + " MCP tool(s) listed");
  }

  @Override
  public void toolStarted(ToolUse use, Toolbox.Tool tool) {
    comment("portcullis: calling " + use.name());
  }

  @Override
  public void toolDone(ToolStep step) {
    comment("portcullis: " + step.name() + (step.isError() ? " failed" : " returned"));
  }

  @Override
  public void finish(ObjectNode answer) {
    out.accept(dialect.stream(answer, request));
  }

  @Override
  public void failed(String type, String code, String message) {
    out.accept(error.of(type, code, message));
  }

  /** A comment line; tool names are the gateway's own (no line breaks), checked anyway. */
  private void comment(String text) {
    out.accept(Buffer.buffer(": " + text.replaceAll("[\\r\\n]", " ") + "\n\n"));
  }
}
