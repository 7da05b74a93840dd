package dev.portcullis.llm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * A parsed client request on the LLM surface.
 *
 * @param body the parsed JSON, shared read-only by every attempt; adapters copy before changing it
 * @param raw the bytes the client sent, forwarded unchanged when no change is needed
 */
public record LlmRequest(Endpoint endpoint, String model, boolean stream, ObjectNode body, Buffer raw,
    String requestId) {

  /** True when the client itself asked for usage on the stream (stream_options.include_usage). */
  public boolean clientWantsStreamUsage() {
    return body.path("stream_options").path("include_usage").asBoolean(false);
  }
}
