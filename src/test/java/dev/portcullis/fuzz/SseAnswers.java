package dev.portcullis.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a client's SDK needs from a stream of ours: every event's data is JSON (or OpenAI's
 * final {@code [DONE]}), and the stream ends either normally ({@code [DONE]} on OpenAI routes,
 * {@code message_stop} on Anthropic's) or with an error event after which nothing follows.
 */
final class SseAnswers {
  private SseAnswers() {
  }

  static void assertWellFormed(String text, boolean anthropic) throws Exception {
    List<String> events = new ArrayList<>();
    for (String block : text.replace("\r\n", "\n").split("\n\n")) {
      StringBuilder data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("data:")) {
          String d = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5);
          data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
        }
      }
      if (data != null) {
        events.add(data.toString());
      }
    }
    if (events.isEmpty()) {
      throw new AssertionError("a stream with no events: " + text);
    }
    for (int i = 0; i < events.size(); i++) {
      String d = events.get(i);
      boolean last = i == events.size() - 1;
      if (d.equals("[DONE]")) {
        if (anthropic || !last) {
          throw new AssertionError("[DONE] " + (anthropic ? "on the Anthropic surface" : "before the end") + ": " + text);
        }
        continue;
      }
      JsonNode event;
      try {
        event = FuzzGateway.JSON.readTree(d);
      } catch (Exception e) {
        throw new AssertionError("an event that is not JSON reached the client: " + d, e);
      }
      if (event == null || !event.isObject()) {
        throw new AssertionError("an event that is not a JSON object reached the client: " + d);
      }
      boolean error = anthropic ? "error".equals(event.path("type").asText()) : event.has("error");
      if (error && !last) {
        throw new AssertionError("events after an error event: " + text);
      }
      if (last && !error) {
        boolean normalEnd = anthropic && "message_stop".equals(event.path("type").asText());
        if (!normalEnd) {
          throw new AssertionError("a stream that ends with neither its normal end nor an error: " + text);
        }
      }
    }
  }
}
