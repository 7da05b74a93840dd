package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/** Anthropic's error shape {@code {"type":"error","error":{"type","message"}}} and its types. */
public final class AnthropicErrorShapes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AnthropicErrorShapes() {}

  public static Buffer body(String type, String message) {
    return Buffer.buffer(node(type, message).toString());
  }

  /** The SSE event that reports an error inside an Anthropic stream. */
  public static Buffer event(String type, String message) {
    return Buffer.buffer("event: error\ndata: ").appendString(node(type, message).toString()).appendString("\n\n");
  }

  private static ObjectNode node(String type, String message) {
    ObjectNode root = JsonNodeFactory.instance.objectNode().put("type", "error");
    root.putObject("error").put("type", type).put("message", message);
    return root;
  }

  /** Anthropic's documented error type for an HTTP status. */
  public static String typeFor(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 504 -> "timeout_error";
      case 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  /** The error message inside any provider's JSON error body, or the body's text. */
  public static String messageOf(Buffer body) {
    if (body == null || body.length() == 0) {
      return "(empty body)";
    }
    try {
      JsonNode tree = JSON.readTree(body.getBytes());
      JsonNode error = tree.path("error");
      JsonNode m = error.isObject() ? error.path("message") : error;
      if (m.isTextual()) {
        return m.textValue();
      }
      if (tree.path("message").isTextual()) {
        return tree.path("message").textValue();
      }
    } catch (IOException notJson) {
      // fall through
    }
    return body.toString();
  }

  /** Converts Anthropic's error body into OpenAI's, keeping the Anthropic type as the code. */
  public static Buffer toOpenAi(int status, Buffer anthropicBody) {
    String type = null;
    try {
      type = JSON.readTree(anthropicBody.getBytes()).path("error").path("type").asText(null);
    } catch (IOException | RuntimeException notJson) {
      // the status decides
    }
    return dev.portcullis.llm.wire.openai.OpenAiShapes.error(
        dev.portcullis.llm.wire.openai.OpenAiShapes.errorType(status), type, messageOf(anthropicBody));
  }

  /** Converts any other provider's error body into Anthropic's. */
  public static Buffer fromOther(int status, Buffer body) {
    return body(typeFor(status), messageOf(body));
  }
}
