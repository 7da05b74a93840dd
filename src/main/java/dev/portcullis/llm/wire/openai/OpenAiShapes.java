package dev.portcullis.llm.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.Usage;
import io.vertx.core.buffer.Buffer;

/** OpenAI chat wire shapes other providers' translators build: usage, errors, completion skeleton. */
public final class OpenAiShapes {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private OpenAiShapes() {}

  /** OpenAI's {@code usage} object for a normalised usage. */
  public static ObjectNode usage(Usage u) {
    ObjectNode n = F.objectNode();
    n.put("prompt_tokens", u.promptTokens()).put("completion_tokens", u.completionTokens())
        .put("total_tokens", u.totalTokens());
    n.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
    n.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens());
    return n;
  }

  /** Reads OpenAI's usage object (null when absent). */
  public static Usage parseUsage(JsonNode usage) {
    return OpenAiUsage.parse(usage);
  }

  /** {@code {"error":{"message","type","param":null,"code"}}}. */
  public static Buffer error(String type, String code, String message) {
    ObjectNode root = F.objectNode();
    ObjectNode e = root.putObject("error");
    e.put("message", message).put("type", type).putNull("param");
    if (code == null) {
      e.putNull("code");
    } else {
      e.put("code", code);
    }
    return Buffer.buffer(root.toString());
  }

  /** The OpenAI error type clients expect for an HTTP status. */
  public static String errorType(int status) {
    return switch (status) {
      case 400, 404, 409, 413, 422 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "server_error" : "invalid_request_error";
    };
  }

  /** The top of a {@code chat.completion} object; the caller adds choices and usage. */
  public static ObjectNode completion(String id, String model, long created) {
    return F.objectNode().put("id", id).put("object", "chat.completion").put("created", created)
        .put("model", model);
  }

  /** A tool call as OpenAI's message carries it. */
  public static ObjectNode toolCall(String id, String name, String arguments) {
    ObjectNode c = F.objectNode().put("id", id).put("type", "function");
    c.putObject("function").put("name", name).put("arguments", arguments);
    return c;
  }
}
