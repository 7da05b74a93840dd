package dev.portcullis.llm.wire.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.InvalidUpstreamResponseException;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.SseEventSplitter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.openai.OpenAiChunkWriter;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * Gemini's {@code streamGenerateContent?alt=sse} (one GenerateContentResponse per event, no end
 * marker) as OpenAI chat chunks. The stream counts as complete once a finish reason arrived.
 */
final class GeminiStream implements StreamTranslator {
  private final UpstreamJson json;
  private final TokenCounter tokens;
  private final LlmRequest request;
  private final SseEventSplitter splitter = new SseEventSplitter();
  private final StringBuilder text = new StringBuilder();
  private OpenAiChunkWriter writer;
  private int toolCalls;
  private Usage usage;
  private boolean finished;
  private boolean done;
  private StreamError error;

  GeminiStream(ObjectMapper json, TokenCounter tokens, LlmRequest request) {
    this.json = new UpstreamJson(json);
    this.tokens = tokens;
    this.request = request;
  }

  @Override
  public void onData(Buffer upstream, Consumer<Buffer> out) {
    splitter.feed(upstream, e -> onEvent(e, out));
  }

  private void onEvent(Buffer event, Consumer<Buffer> out) {
    String data = SseEventSplitter.data(event);
    if (data == null || error != null) {
      return;
    }
    JsonNode r = json.object(data, "a generateContent stream event");
    if (r.has("error")) {
      JsonNode e = r.get("error");
      int code = e.path("code").asInt(500);
      error = new StreamError(e.path("status").asText("api_error").toLowerCase(java.util.Locale.ROOT),
          e.path("message").asText("upstream error"), code == 429 || code >= 500);
      return;
    }
    if (writer == null) {
      writer = new OpenAiChunkWriter("chatcmpl-" + r.path("responseId").asText("gemini"), request.model(),
          System.currentTimeMillis() / 1000);
      out.accept(writer.role());
    }
    Usage u = GeminiResponse.usage(r.get("usageMetadata"));
    if (u != null) {
      usage = u;
    }
    JsonNode candidates = r.path("candidates");
    if (candidates.isEmpty() && r.path("promptFeedback").has("blockReason")) {
      out.accept(writer.content(GeminiResponse.blockMessage(r)));
      out.accept(writer.finish("content_filter"));
      finished = true;
      return;
    }
    JsonNode c = candidates.path(0);
    for (JsonNode p : c.path("content").path("parts")) {
      if (p.has("functionCall")) {
        JsonNode fc = p.get("functionCall");
        int index = toolCalls++;
        out.accept(writer.toolCallStart(index, fc.path("id").asText("call_" + index), fc.path("name").asText()));
        out.accept(writer.toolCallArguments(index, fc.path("args").toString()));
      } else if (p.path("thought").asBoolean(false)) {
        out.accept(writer.reasoning(p.path("text").asText("")));
      } else if (p.has("text")) {
        text.append(p.get("text").asText());
        out.accept(writer.content(p.get("text").asText()));
      }
    }
    String reason = c.path("finishReason").asText(null);
    if (reason != null && !reason.equals("FINISH_REASON_UNSPECIFIED")) {
      out.accept(writer.finish(GeminiResponse.finishReason(reason, toolCalls > 0)));
      finished = true;
    }
  }

  @Override
  public void onEnd(Consumer<Buffer> out) {
    Buffer rest = splitter.remainder();
    if (rest != null) {
      try {
        onEvent(rest, out);
      } catch (InvalidUpstreamResponseException cutShort) {
        return; // the stream ended inside an event: it stays incomplete
      }
    }
    if (finished && error == null) {
      if (request.clientWantsStreamUsage()) {
        out.accept(writer.usage(usage()));
      }
      out.accept(writer.done());
      done = true;
    }
  }

  @Override
  public Usage usage() {
    if (usage != null) {
      return usage;
    }
    return new Usage(tokens.countPrompt(request.model(), request.body()), tokens.count(request.model(),
        text.toString()), 0, 0, true);
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
