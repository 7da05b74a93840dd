package dev.portcullis.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What an SDK needs from a Responses API stream of ours: every event's data is a JSON object with
 * a {@code type}, sequence numbers rise, and the stream ends with exactly one terminal event
 * (completed, incomplete, failed, or an error) after which nothing follows.
 */
final class ResponsesAnswers {
  private static final Set<String> TERMINAL = Set.of("response.completed", "response.incomplete",
      "response.failed", "error");

  private ResponsesAnswers() {
  }

  static void assertWellFormed(String text) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    for (String block : text.replace("\r\n", "\n").split("\n\n")) {
      StringBuilder data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("data:")) {
          String d = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5);
          data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
        }
      }
      if (data == null) {
        continue;
      }
      JsonNode event;
      try {
        event = FuzzGateway.JSON.readTree(data.toString());
      } catch (Exception e) {
        throw new AssertionError("a Responses event that is not JSON reached the client: " + data, e);
      }
      if (event == null || !event.isObject() || !event.path("type").isTextual()) {
        throw new AssertionError("a Responses event that is not an object with a type: " + data);
      }
      events.add(event);
    }
    if (events.isEmpty()) {
      throw new AssertionError("a stream with no events: " + text);
    }
    long last = -1;
    for (int i = 0; i < events.size(); i++) {
      JsonNode e = events.get(i);
      boolean terminal = TERMINAL.contains(e.get("type").textValue());
      if (terminal != (i == events.size() - 1)) {
        throw new AssertionError((terminal ? "events after the terminal event " : "a stream that ends without a "
            + "terminal event, at ") + e + ": " + text);
      }
      if (e.has("sequence_number")) {
        long n = e.get("sequence_number").asLong();
        if (n <= last) {
          throw new AssertionError("sequence numbers do not rise at " + e + ": " + text);
        }
        last = n;
      }
    }
  }
}
