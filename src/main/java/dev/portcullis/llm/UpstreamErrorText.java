package dev.portcullis.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/** A short, single-line description of an upstream error body for the client's error message. */
final class UpstreamErrorText {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX = 300;

  private UpstreamErrorText() {}

  static String of(Buffer body) {
    if (body == null || body.length() == 0) {
      return "(empty body)";
    }
    String text = body.toString();
    try {
      JsonNode tree = JSON.readTree(text);
      JsonNode error = tree.path("error");
      JsonNode message = error.isObject() ? error.path("message") : error;
      if (message.isMissingNode()) {
        message = tree.path("message"); // Bedrock: {"message": "..."}
      }
      if (message.isTextual()) {
        text = message.textValue();
      }
    } catch (IOException notJson) {
      // keep the raw text
    }
    text = text.replaceAll("\\s+", " ").strip();
    return text.length() > MAX ? text.substring(0, MAX) + "..." : text;
  }
}
