package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.ResponseFilter;
import dev.portcullis.llm.SseEventSplitter;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * The last step of a Responses API answer on its way to the client, after the guard (if any):
 * numbers the stream's events in the order the client receives them (the guard may add some),
 * echoes the {@code previous_response_id} the gateway resolved itself, remembers the response as
 * it stands (for a {@code response.failed} if the stream breaks), and hands the finished
 * response to {@code onFinished} (to be kept).
 */
public final class ResponsesRecorder implements ResponseFilter {
  private static final java.util.Set<String> FINISHED = java.util.Set.of("response.completed", "response.incomplete");

  private final ObjectMapper json;
  private final ResponseFilter inner;
  private final String previousResponseId;
  private final Consumer<ObjectNode> onFinished;
  private final ResponseEvents events = new ResponseEvents();
  private ObjectNode latest;
  private ObjectNode finished;

  /**
   * @param inner the guard's filter, or null
   * @param previousResponseId the id the client continued, or null
   */
  public ResponsesRecorder(ObjectMapper json, ResponseFilter inner, String previousResponseId,
      Consumer<ObjectNode> onFinished) {
    this.json = json;
    this.inner = inner;
    this.previousResponseId = previousResponseId;
    this.onFinished = onFinished;
  }

  @Override
  public Buffer body(Buffer clientBody) {
    Buffer body = inner == null ? clientBody : inner.body(clientBody);
    if (body == null) {
      return null;
    }
    ObjectNode response = parse(body.toString());
    if (response == null) {
      return body;
    }
    echo(response);
    onFinished.accept(response);
    return Buffer.buffer(response.toString());
  }

  @Override
  public String refusal() {
    return inner == null ? null : inner.refusal();
  }

  @Override
  public void event(Buffer event, Consumer<Buffer> out) {
    if (inner == null) {
      own(event, out);
    } else {
      inner.event(event, e -> own(e, out));
    }
  }

  @Override
  public void end(Consumer<Buffer> out) {
    if (inner != null) {
      inner.end(e -> own(e, out));
    }
    if (finished != null) {
      onFinished.accept(finished);
    }
  }

  private void own(Buffer event, Consumer<Buffer> out) {
    String data = SseEventSplitter.data(event);
    ObjectNode e = data == null ? null : parse(data);
    if (e == null || !e.has("type")) {
      out.accept(event);
      return;
    }
    if (e.get("response") instanceof ObjectNode response) {
      echo(response);
      latest = response;
      if (FINISHED.contains(e.path("type").asText())) {
        finished = response;
      }
    }
    out.accept(events.sse(e));
  }

  private void echo(ObjectNode response) {
    if (previousResponseId != null) {
      response.put("previous_response_id", previousResponseId);
    }
  }

  /**
   * The event that ends a stream the gateway could not finish: {@code response.failed}, carrying
   * the response as it stood with the error.
   */
  public Buffer failed(String code, String message) {
    ObjectNode response = latest != null ? latest.deepCopy()
        : json.createObjectNode().put("object", "response").put("status", "failed");
    response.put("status", "failed");
    response.putObject("error").put("code", code).put("message", message);
    return events.response("response.failed", response);
  }

  private ObjectNode parse(String text) {
    try {
      JsonNode tree = json.readTree(text);
      return tree instanceof ObjectNode o ? o : null;
    } catch (IOException e) {
      return null;
    }
  }
}
