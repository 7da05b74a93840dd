package dev.portcullis.llm.wire.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.llm.InvalidUpstreamResponseException;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.openai.OpenAiChunkWriter;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

/**
 * Bedrock ConverseStream ({@code application/vnd.amazon.eventstream} binary frames, decoded and
 * CRC-checked by the AWS event-stream library) as OpenAI chat chunks. Events: messageStart,
 * contentBlockStart/Delta/Stop, messageStop, metadata; exception frames end the stream.
 */
final class ConverseStream implements StreamTranslator {
  static final String MEDIA_TYPE = "application/vnd.amazon.eventstream";

  private final UpstreamJson json;
  private final LlmRequest request;
  private final OpenAiChunkWriter writer;
  private final MessageDecoder decoder;
  private final Map<Integer, Integer> toolOfBlock = new HashMap<>();
  private Consumer<Buffer> out;
  private boolean started;
  private int tools;
  private boolean stopped;
  private Usage usage;
  private boolean done;
  private StreamError error;

  ConverseStream(ObjectMapper json, LlmRequest request, String id) {
    this.json = new UpstreamJson(json);
    this.request = request;
    this.writer = new OpenAiChunkWriter(id, request.model(), System.currentTimeMillis() / 1000);
    this.decoder = new MessageDecoder(this::onMessage);
  }

  @Override
  public void onData(Buffer upstream, Consumer<Buffer> out) {
    this.out = out;
    try {
      decoder.feed(upstream.getBytes());
    } catch (InvalidUpstreamResponseException e) {
      throw e;
    } catch (RuntimeException corrupt) { // a CRC or framing error: nothing after it can be trusted
      throw new InvalidUpstreamResponseException("invalid event-stream frame: " + corrupt.getMessage());
    }
  }

  private void onMessage(Message m) {
    if (error != null || done) {
      return;
    }
    String messageType = header(m, ":message-type");
    JsonNode e = json.object(new String(m.getPayload(), StandardCharsets.UTF_8), "a ConverseStream frame");
    if (!"event".equals(messageType)) {
      String type = header(m, ":exception-type");
      type = type != null ? type : header(m, ":error-code");
      error = new StreamError(type != null ? type : "exception", e.path("message").asText(String.valueOf(type)),
          "throttlingException".equals(type) || "serviceUnavailableException".equals(type)
              || "internalServerException".equals(type));
      return;
    }
    switch (String.valueOf(header(m, ":event-type"))) {
      case "messageStart" -> start();
      case "contentBlockStart" -> {
        start();
        JsonNode use = e.path("start").path("toolUse");
        if (use.isObject()) {
          int tool = tools++;
          toolOfBlock.put(e.path("contentBlockIndex").asInt(), tool);
          out.accept(writer.toolCallStart(tool, use.path("toolUseId").asText(), use.path("name").asText()));
        }
      }
      case "contentBlockDelta" -> {
        start();
        JsonNode d = e.path("delta");
        if (d.has("text")) {
          out.accept(writer.content(d.get("text").asText()));
        } else if (d.has("toolUse")) {
          Integer tool = toolOfBlock.get(e.path("contentBlockIndex").asInt());
          if (tool != null) {
            out.accept(writer.toolCallArguments(tool, d.get("toolUse").path("input").asText("")));
          }
        } else if (d.has("reasoningContent") && d.get("reasoningContent").has("text")) {
          out.accept(writer.reasoning(d.get("reasoningContent").get("text").asText()));
        }
      }
      case "messageStop" -> {
        start();
        out.accept(writer.finish(ConverseResponse.finishReason(e.path("stopReason").asText(null))));
        stopped = true;
      }
      case "metadata" -> {
        usage = ConverseResponse.usage(e.get("usage"));
        if (stopped) {
          if (request.clientWantsStreamUsage() && usage != null) {
            out.accept(writer.usage(usage));
          }
          out.accept(writer.done());
          done = true;
        }
      }
      default -> { } // contentBlockStop
    }
  }

  private void start() {
    if (!started) {
      started = true;
      out.accept(writer.role());
    }
  }

  private static String header(Message m, String name) {
    HeaderValue v = m.getHeaders().get(name);
    return v == null ? null : v.getString();
  }

  @Override
  public void onEnd(Consumer<Buffer> out) {
    this.out = out;
  }

  @Override
  public Usage usage() {
    return usage != null ? usage : Usage.NONE;
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
