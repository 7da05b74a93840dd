package dev.portcullis.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a tool loop needs to know about one wire format: how tools are offered, how the model
 * asks for calls, how results go back, and how the answer shows the calls the gateway made.
 * One implementation per surface ({@link ChatDialect}, {@link MessagesDialect}); the loop itself
 * ({@link ToolLoop}) knows none of them.
 */
public interface Dialect {
  /**
   * The client's request with the gateway's tools added to its own; fails with a
   * {@link LoopError} when a gateway tool has the name of one of the client's tools.
   */
  ObjectNode offer(ObjectNode request, List<Toolbox.Tool> tools);

  /** Every tool call of the model's answer (the gateway's and the client's tools alike). */
  List<ToolUse> toolUses(ObjectNode response);

  /** The next request: the model's turn and the results of the gateway's calls appended. */
  ObjectNode next(ObjectNode request, ObjectNode response, List<ToolStep> results);

  /**
   * The answer for the client: the last response, less its calls of gateway tools, with the
   * calls the gateway made shown and the usage of every step added up.
   *
   * @param responses every step's response, in order (the last is the answer)
   * @param gatewayTools the names of the gateway's tools
   */
  ObjectNode answer(List<ObjectNode> responses, List<ToolStep> steps, Set<String> gatewayTools);

  /**
   * The answer as the surface streams it (every event, ready to send).
   *
   * @param request the client's request (stream options)
   */
  Buffer stream(ObjectNode answer, ObjectNode request);

  /**
   * Whether the client wants to approve this call of a gateway tool before it runs: the run then
   * stops, and the answer asks the client for it.
   */
  default boolean held(ToolUse use, Toolbox.Tool tool) {
    return false;
  }

  /** The calls the client decided on since the run stopped for its approval: made before the model is asked. */
  default List<Decided> decided() {
    return List.of();
  }

  /** The first request once the {@link #decided} calls are made: their calls and results added. */
  default ObjectNode resumed(ObjectNode request, List<ToolStep> results) {
    return request;
  }

  /**
   * A stream that shows the run as it goes, writing to {@code out}; null when the surface has no
   * events for tool steps (the answer is then streamed whole at the end, {@link #stream}).
   */
  default LiveStream live(ObjectNode request, Consumer<Buffer> out) {
    return null;
  }
}
