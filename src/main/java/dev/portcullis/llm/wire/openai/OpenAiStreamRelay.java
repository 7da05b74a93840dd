package dev.portcullis.llm.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.SseEventSplitter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.Usage;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Relays an OpenAI chat completion stream event by event, unchanged, while reading usage from
 * it. When the gateway (not the client) asked for {@code include_usage}, the usage-only chunk
 * is kept from the client so that it sees exactly the stream it asked for.
 */
final class OpenAiStreamRelay implements StreamTranslator {
  private final ObjectMapper json;
  private final TokenCounter tokens;
  private final LlmRequest request;
  private final boolean injectedUsage;
  private final SseEventSplitter splitter = new SseEventSplitter();
  private final StringBuilder completionText = new StringBuilder();
  private Usage usage;
  private boolean done;

  OpenAiStreamRelay(ObjectMapper json, TokenCounter tokens, LlmRequest request, boolean injectedUsage) {
    this.json = json;
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
    String data = SseEventSplitter.data(event);
    if (data == null) {
      return true; // comments and keep-alives pass through
    }
    if (data.equals("[DONE]")) {
      done = true;
      return true;
    }
    JsonNode chunk;
    try {
      chunk = json.readTree(data);
    } catch (IOException e) {
      return true; // not ours to judge: relay it as the upstream sent it
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

  @Override
  public void onEnd(Consumer<Buffer> out) {
    Buffer rest = splitter.remainder();
    if (rest != null && keep(rest)) {
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
}
