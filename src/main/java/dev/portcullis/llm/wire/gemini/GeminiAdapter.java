package dev.portcullis.llm.wire.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.Endpoint;
import dev.portcullis.llm.InvalidUpstreamResponseException;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.ProviderAdapter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.UnsupportedRequestException;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.UpstreamRequest;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.DroppedFields;
import dev.portcullis.llm.wire.openai.OpenAiShapes;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.io.IOException;
import java.util.Map;

/**
 * Google's Gemini API ({@code models/M:generateContent}, {@code :streamGenerateContent?alt=sse},
 * {@code :batchEmbedContents}, key in {@code x-goog-api-key}) for OpenAI clients.
 */
public final class GeminiAdapter implements ProviderAdapter {
  public static final String BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

  private final ObjectMapper json;
  private final TokenCounter tokens;
  private final UpstreamJson upstreamJson;

  public GeminiAdapter(ObjectMapper json, TokenCounter tokens) {
    this.json = json;
    this.tokens = tokens;
    this.upstreamJson = new UpstreamJson(json);
  }

  @Override
  public UpstreamRequest prepare(LlmRequest request, Deployment d) {
    String model = d.upstreamModel();
    String base = d.baseUrl() + "/models/" + model;
    ObjectNode body;
    String uri;
    switch (request.endpoint()) {
      case CHAT_COMPLETIONS -> {
        DroppedFields dropped = new DroppedFields();
        body = GeminiRequest.convert(json, request.body(), dropped);
        dropped.warn(request.requestId(), "openai", "gemini");
        uri = base + (request.stream() ? ":streamGenerateContent?alt=sse" : ":generateContent");
      }
      case EMBEDDINGS -> {
        body = GeminiEmbeddings.request(request.body(), model);
        uri = base + ":batchEmbedContents";
      }
      default -> throw new UnsupportedRequestException("Gemini deployment '" + d.name() + "' cannot serve "
          + request.endpoint().path());
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    if (d.config().apiKey() != null) {
      headers.set("x-goog-api-key", d.config().apiKey());
    }
    for (Map.Entry<String, String> h : d.config().headers().entrySet()) {
      headers.set(h.getKey(), h.getValue());
    }
    return new UpstreamRequest(uri, headers, Buffer.buffer(body.toString()));
  }

  @Override
  public TranslatedBody translateBody(LlmRequest request, Buffer upstreamBody) {
    if (request.endpoint() == Endpoint.EMBEDDINGS) {
      ObjectNode tree = upstreamJson.object(upstreamBody, "the embeddings response");
      UpstreamJson.requireArray(tree, "embeddings", "the embeddings response");
      Usage u = new Usage(tokens.countPrompt(request.model(), request.body()), 0, 0, 0, true);
      return new TranslatedBody(Buffer.buffer(GeminiEmbeddings.response(request.body(), tree, request.model(), u)
          .toString()), u);
    }
    ObjectNode tree = upstreamJson.object(upstreamBody, "the generateContent response");
    // A prompt Gemini blocked comes without candidates but with promptFeedback; anything else is no answer.
    if (!tree.path("candidates").isArray() && !tree.path("promptFeedback").isObject()) {
      UpstreamJson.requireArray(tree, "candidates", "the generateContent response");
    }
    ObjectNode out = GeminiResponse.convert(tree, request.model(), System.currentTimeMillis() / 1000);
    Usage u = GeminiResponse.usage(tree.get("usageMetadata"));
    if (u == null) {
      u = new Usage(tokens.countPrompt(request.model(), request.body()), 0, 0, 0, true);
    }
    return new TranslatedBody(Buffer.buffer(out.toString()), u);
  }

  @Override
  public StreamTranslator streamTranslator(LlmRequest request, Deployment deployment) {
    return new GeminiStream(json, tokens, request);
  }

  /** {@code {"error":{"code","message","status"}}} becomes OpenAI's shape, the status as the code. */
  @Override
  public Buffer translateError(LlmRequest request, int status, Buffer upstreamBody) {
    String code = null;
    String message = upstreamBody.toString();
    try {
      JsonNode e = json.readTree(upstreamBody.getBytes()).path("error");
      code = e.path("status").asText(null);
      message = e.path("message").asText(message);
    } catch (IOException | RuntimeException notJson) {
      // keep the text
    }
    return OpenAiShapes.error(OpenAiShapes.errorType(status), code, message);
  }
}
