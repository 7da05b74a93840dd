package dev.portcullis.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.responses.ResponsesClientBridge;

/**
 * The body the limits read a request's prompt and requested completion from. Token counting and
 * {@link RequestedCompletion} read chat-shaped bodies; a Responses API request is read as the chat
 * request it amounts to ({@code max_output_tokens} as {@code max_tokens}, instructions and input
 * items as messages), so a caller's TPM and budget are charged the same for the same prompt on
 * either route.
 */
public final class CountedBody {
  private CountedBody() {}

  /**
   * @throws InvalidParameterException when the request cannot be read (the limits refuse it)
   */
  public static JsonNode of(LlmRequest request) {
    if (request.format() != ClientFormat.RESPONSES) {
      return request.body();
    }
    try {
      return ResponsesClientBridge.asChat(request, false).body();
    } catch (UnsupportedRequestException e) {
      // items only a native Responses provider takes: count the input as it stands
      ObjectNode body = request.body();
      ObjectNode counted = JsonNodeFactory.instance.objectNode();
      if (body.hasNonNull("max_output_tokens")) {
        counted.set("max_tokens", body.get("max_output_tokens"));
      }
      counted.set("input", body.get("input"));
      return counted;
    }
  }
}
