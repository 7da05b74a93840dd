package dev.portcullis.llm.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.guard.GuardBlockedException;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.guard.GuardStream;
import dev.portcullis.llm.ClientFormat;
import dev.portcullis.llm.ResponseFilter;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The non-streaming half of the response filters, and the streams per channel. */
abstract class GuardFilterBase implements ResponseFilter {
  final ObjectMapper json;
  final GuardSession session;
  private final ClientFormat format;
  /** One guard stream per text channel (choice content, tool-call arguments, content block). */
  final Map<String, GuardStream> streams = new LinkedHashMap<>();
  private String refusal;

  GuardFilterBase(ObjectMapper json, GuardSession session, ClientFormat format) {
    this.json = json;
    this.session = session;
    this.format = format;
  }

  @Override
  public Buffer body(Buffer clientBody) {
    JsonNode tree;
    try {
      tree = json.readTree(clientBody.getBytes());
    } catch (IOException e) {
      return clientBody; // not JSON: nothing we can find text in
    }
    if (!(tree instanceof ObjectNode body)) {
      return clientBody;
    }
    try {
      if (!LlmGuard.rewriteResponse(body, format, session::response, session::responseParts)) {
        return clientBody;
      }
      return Buffer.buffer(json.writeValueAsBytes(body));
    } catch (GuardBlockedException e) {
      refusal = e.getMessage();
      return null;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String refusal() {
    return refusal;
  }

  GuardStream stream(String channel) {
    return streams.computeIfAbsent(channel, c -> session.stream());
  }

  static Buffer sse(String event, String data) {
    return Buffer.buffer((event == null ? "" : "event: " + event + "\n") + "data: " + data + "\n\n");
  }
}
