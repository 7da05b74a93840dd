package dev.portcullis.llm.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.InvalidUpstreamResponseException;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.SseEventSplitter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.Usage;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Relays an OpenAI chat completion stream event by event, unchanged, while reading usage from
 * it. When the gateway (not the client) asked for {@code include_usage}, the usage-only chunk
 * is kept from the client so that it sees exactly the stream it asked for. Every data event must
 * be a JSON object or {@code [DONE]}; an error chunk ({@code {"error":...}}, or any
 * {@code event: error}) is held back for the exchange to end the stream in its own words.
 */
final class OpenAiStreamRelay implements StreamTranslator {
  private final UpstreamJson json;
  private final TokenCounter tokens;
  private final LlmRequest request;
  private final boolean injectedUsage;
  private final SseEventSplitter splitter = new SseEventSplitter();
  private final StringBuilder completionText = new StringBuilder();
  private Usage usage;
  private boolean done;
  private StreamError error;

  OpenAiStreamRelay(ObjectMapper json, TokenCounter tokens, LlmRequest request, boolean injectedUsage) {
    this.json = new UpstreamJson(json);
    this.tokens = tokens;
    this.request = request;
    this.injectedUsage = injectedUsage;
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
      return false; // nothing after the end or an error is part of the answer
    }
    SseEventSplitter.requireEventFields(event);
    String data = SseEventSplitter.data(event);
    if (data == null) {
      return true; // comments and keep-alives pass through
    }
    if (data.equals("[DONE]")) {
      done = true;
      return true;
    }
    JsonNode chunk = json.object(data, "a chat completion stream event");
    if (chunk.has("error") || "error".equals(SseEventSplitter.type(event))) {
      error = errorOf(chunk.has("error") ? chunk.get("error") : chunk);
      return false;
    }
    JsonNode choices = chunk.get("choices");
    if (choices != null) {
      for (JsonNode choice : choices) {
        JsonNode delta = choice.get("delta");
        if (delta == null) {
          continue;
        }
        JsonNode content = delta.get("content");
        if (content != null && content.isTextual()) {
          completionText.append(content.textValue());
        }
        for (JsonNode call : delta.path("tool_calls")) {
          completionText.append(call.path("function").path("name").asText(""))
              .append(call.path("function").path("arguments").asText(""));
        }
      }
    }
    Usage reported = OpenAiUsage.parse(chunk.get("usage"));
    if (reported != null) {
      usage = reported;
      return !(injectedUsage && (choices == null || choices.isEmpty()));
    }
    return true;
  }

  /** OpenAI's in-stream error; server errors and rate limits may go better elsewhere. */
  private static StreamError errorOf(JsonNode e) {
    String type = e.path("type").asText("api_error");
    String code = e.path("code").asText(null);
    String message = e.isTextual() ? e.textValue() : e.path("message").asText(type);
    return new StreamError(code != null ? code : type, message, !type.equals("invalid_request_error"));
  }

  @Override
  public void onEnd(Consumer<Buffer> out) {
    Buffer rest = splitter.remainder();
    if (rest == null) {
      return;
    }
    boolean keep;
    try {
      keep = keep(rest);
    } catch (InvalidUpstreamResponseException cutShort) {
      return; // the stream ended inside an event: it stays incomplete
    }
    if (keep) {
      out.accept(rest);
    }
  }

  @Override
  public Usage usage() {
    if (usage != null) {
      return usage;
    }
    return new Usage(tokens.countPrompt(request.model(), request.body()),
        tokens.count(request.model(), completionText.toString()), 0, 0, true);
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
