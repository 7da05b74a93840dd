package dev.portcullis.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Short, single-line descriptions of an upstream error body: one safe for the client (the
 * provider's own error message, when it sent one in JSON) and one for the gateway log (the raw
 * text, which may name hosts and proxies between the gateway and the provider).
 */
final class UpstreamErrorText {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX = 300;

  private UpstreamErrorText() {}

  /** The provider's error message, or a neutral description of a body that has none. */
  static String of(Buffer body) {
    if (body == null || body.length() == 0) {
      return "(empty body)";
    }
    JsonNode tree = objectOrNull(body);
    if (tree == null) {
      return "(a body that is not JSON, " + body.length() + " bytes)";
    }
    JsonNode error = tree.path("error");
    JsonNode message = error.isObject() ? error.path("message") : error;
    if (message.isMissingNode()) {
      message = tree.path("message"); // Bedrock: {"message": "..."}
    }
    return message.isTextual() ? shorten(message.textValue()) : "(a JSON body without an error message)";
  }

  /** The body as text, shortened, for the log. */
  static String raw(Buffer body) {
    return body == null || body.length() == 0 ? "(empty body)" : shorten(body.toString());
  }

  /** Whether the body is one JSON object, the only error body worth relaying to a client. */
  static boolean isJsonObject(Buffer body) {
    return body != null && objectOrNull(body) != null;
  }

  private static JsonNode objectOrNull(Buffer body) {
    try {
      JsonNode tree = JSON.readTree(body.getBytes());
      return tree != null && tree.isObject() ? tree : null;
    } catch (IOException notJson) {
      return null;
    }
  }

  private static String shorten(String text) {
    String line = text.replaceAll("\\s+", " ").strip();
    return line.length() > MAX ? line.substring(0, MAX) + "..." : line;
  }
}
