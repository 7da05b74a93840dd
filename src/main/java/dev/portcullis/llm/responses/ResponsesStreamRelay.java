package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.InvalidUpstreamResponseException;
import dev.portcullis.llm.SseEventSplitter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.Usage;
import io.vertx.core.buffer.Buffer;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Relays a native Responses API stream (OpenAI, Azure) event by event, unchanged, reading the
 * usage of its final response. The stream is complete at response.completed, response.incomplete
 * or response.failed; an {@code error} event is held back for the exchange to end the stream in
 * its own words (or to try another deployment while nothing reached the client).
 */
final class ResponsesStreamRelay implements StreamTranslator {
  private static final Set<String> TERMINAL = Set.of("response.completed", "response.incomplete", "response.failed");

  private final UpstreamJson json;
  private final TokenCounter tokens;
  private final String model;
  private final long estimatedInput;
  private final SseEventSplitter splitter = new SseEventSplitter();
  private final StringBuilder streamed = new StringBuilder();
  private Usage usage;
  private boolean done;
  private StreamError error;

  ResponsesStreamRelay(ObjectMapper json, TokenCounter tokens, String model, long estimatedInput) {
    this.json = new UpstreamJson(json);
    this.tokens = tokens;
    this.model = model;
    this.estimatedInput = estimatedInput;
  }

  @Override
  public void onData(Buffer upstream, Consumer<Buffer> out) {
    splitter.feed(upstream, event -> {
      if (keep(event)) {
        out.accept(event);
      }
    });
  }

  private boolean keep(Buffer event) {
    if (done || error != null) {
      return false;
    }
    SseEventSplitter.requireEventFields(event);
    String data = SseEventSplitter.data(event);
    if (data == null) {
      return true; // comments and keep-alives
    }
    if (data.equals("[DONE]")) {
      return false; // not part of this API; some compatible servers add it after the final event
    }
    JsonNode e = json.object(data, "a Responses stream event");
    if (!e.path("type").isTextual() || e.get("type").textValue().isEmpty()) {
      // every event of this API names its type: an SDK cannot read one without
      throw new InvalidUpstreamResponseException("a Responses stream event has no type: " + abbreviated(data));
    }
    String type = e.path("type").asText("");
    if (type.equals("error") || "error".equals(SseEventSplitter.type(event))) {
      JsonNode err = e.has("error") && e.get("error").isObject() ? e.get("error") : e;
      String code = err.path("code").asText(null);
      error = new StreamError(code != null ? code : err.path("type").asText("api_error"),
          err.path("message").asText("upstream error"), !"invalid_request_error".equals(err.path("type").asText()));
      return false;
    }
    if (type.endsWith(".delta")) {
      streamed.append(e.path("delta").asText(""));
    }
    if (TERMINAL.contains(type)) {
      done = true;
      Usage reported = ResponsesUsage.parse(e.path("response").get("usage"));
      if (reported != null) {
        usage = reported;
      }
    }
    return true;
  }

  private static String abbreviated(String data) {
    return data.length() <= 200 ? data : data.substring(0, 200) + "...";
  }

  @Override
  public void onEnd(Consumer<Buffer> out) {
    Buffer rest = splitter.remainder();
    if (rest == null) {
      return;
    }
    try {
      if (keep(rest)) {
        out.accept(rest);
      }
    } catch (InvalidUpstreamResponseException cutShort) {
      // the stream ended inside an event: it stays incomplete
    }
  }

  @Override
  public Usage usage() {
    return usage != null ? usage : new Usage(estimatedInput, tokens.count(model, streamed.toString()), 0, 0, true);
  }

  @Override
  public boolean completed() {
    return done;
  }

  @Override
  public StreamError upstreamError() {
    return error;
  }
}
