package dev.portcullis.llm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.Map;

/**
 * A parsed client request on the LLM surface.
 *
 * @param body the parsed JSON, shared read-only by every attempt; adapters copy before changing it
 * @param raw the bytes the client sent, forwarded unchanged when no change is needed: the bytes
 *     {@code body} was parsed from, at the edge, by the strict parser (one value, no key twice in
 *     an object, UTF-8), so an upstream reads in them exactly what the gateway checked
 * @param format the wire format the client spoke (the surface it called)
 * @param clientHeaders client headers a native upstream may need (anthropic-version, anthropic-beta)
 */
public record LlmRequest(Endpoint endpoint, String model, boolean stream, ObjectNode body, Buffer raw,
    String requestId, ClientFormat format, Map<String, String> clientHeaders) {

  public LlmRequest {
    format = format == null ? ClientFormat.OPENAI : format;
    clientHeaders = clientHeaders == null ? Map.of() : clientHeaders;
  }

  /** A request that came in on the OpenAI surface. */
  public LlmRequest(Endpoint endpoint, String model, boolean stream, ObjectNode body, Buffer raw,
      String requestId) {
    this(endpoint, model, stream, body, raw, requestId, ClientFormat.OPENAI, Map.of());
  }

  /** The same request re-expressed in another client format (used by format bridges). */
  public LlmRequest translated(Endpoint newEndpoint, ClientFormat newFormat, ObjectNode newBody, Buffer newRaw) {
    return new LlmRequest(newEndpoint, model, stream, newBody, newRaw, requestId, newFormat, clientHeaders);
  }

  /** True when the client itself asked for usage on the stream (stream_options.include_usage). */
  public boolean clientWantsStreamUsage() {
    return body.path("stream_options").path("include_usage").asBoolean(false);
  }
}
