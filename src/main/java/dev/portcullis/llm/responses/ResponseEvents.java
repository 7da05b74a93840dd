package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * Writes the Responses API's stream events ({@code event: response.*} plus a JSON {@code data}
 * line whose {@code type} repeats the event name), numbering them in order.
 */
final class ResponseEvents {
  private int sequence;

  /** A new event of {@code type}, to be filled and then {@link #sse written}. */
  ObjectNode event(String type) {
    return JsonNodeFactory.instance.objectNode().put("type", type);
  }

  /** The event as SSE, with the next sequence number. */
  Buffer sse(ObjectNode event) {
    event.put("sequence_number", sequence++);
    return frame(event);
  }

  /** One event as SSE, as it is (its sequence number already set). */
  static Buffer frame(ObjectNode event) {
    return Buffer.buffer("event: " + event.path("type").asText() + "\ndata: " + event + "\n\n");
  }

  /** The same event, {@code response.*} carrying a copy of the response as it stands. */
  Buffer response(String type, ObjectNode response) {
    ObjectNode e = event(type);
    e.set("response", response.deepCopy());
    return sse(e);
  }
}
