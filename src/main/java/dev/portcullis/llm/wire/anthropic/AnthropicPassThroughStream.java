package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.InvalidUpstreamResponseException;
import dev.portcullis.llm.SseEventSplitter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.Usage;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Relays an Anthropic event stream to an Anthropic client unchanged, reading usage from
 * message_start and message_delta. Every data event must be a JSON object with a type. An
 * {@code error} event is held back: the exchange ends the stream with its own error event (or
 * retries when nothing has reached the client).
 */
final class AnthropicPassThroughStream implements StreamTranslator {
  private final ObjectMapper json;
  private final UpstreamJson upstreamJson;
  private final SseEventSplitter splitter = new SseEventSplitter();
  private ObjectNode usage;
  private boolean done;
  private StreamError error;

  AnthropicPassThroughStream(ObjectMapper json) {
    this.json = json;
    this.upstreamJson = new UpstreamJson(json);
  }

  @Override
  public void onData(Buffer upstream, Consumer<Buffer> out) {
    splitter.feed(upstream, event -> {
      if (inspect(event)) {
        out.accept(event);
      }
    });
  }

  private boolean inspect(Buffer event) {
    if (done || error != null) {
      return false; // nothing after the end or an error is part of the answer
    }
    SseEventSplitter.requireEventFields(event);
    String data = SseEventSplitter.data(event);
    if (data == null) {
      return true; // comments pass through
    }
    JsonNode e = upstreamJson.object(data, "a message stream event");
    if (!e.path("type").isTextual()) {
      throw new InvalidUpstreamResponseException("a message stream event has no type");
    }
    switch (e.path("type").asText()) {
      case "message_start" -> {
        if (e.path("message").path("usage") instanceof ObjectNode u) {
          usage = u.deepCopy();
        }
      }
      case "message_delta" -> {
        if (e.path("usage") instanceof ObjectNode u) {
          if (usage == null) {
            usage = json.createObjectNode();
          }
          u.fields().forEachRemaining(f -> {
            if (!f.getValue().isNull()) {
              usage.set(f.getKey(), f.getValue());
            }
          });
        }
      }
      case "message_stop" -> done = true;
      case "error" -> {
        String type = e.path("error").path("type").asText("api_error");
        error = new StreamError(type, e.path("error").path("message").asText(type),
            type.equals("overloaded_error") || type.equals("api_error"));
        return false;
      }
      default -> { }
    }
    return true;
  }

  @Override
  public void onEnd(Consumer<Buffer> out) {
    Buffer rest = splitter.remainder();
    if (rest == null) {
      return;
    }
    boolean relay;
    try {
      relay = inspect(rest);
    } catch (InvalidUpstreamResponseException cutShort) {
      return; // the stream ended inside an event: it stays incomplete
    }
    if (relay) {
      out.accept(rest);
    }
  }

  @Override
  public Usage usage() {
    Usage u = AnthropicUsage.parse(usage);
    return u != null ? u : Usage.NONE;
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
