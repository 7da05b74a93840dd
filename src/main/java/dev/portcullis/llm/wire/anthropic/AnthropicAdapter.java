package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.ClientFormat;
import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.Endpoint;
import dev.portcullis.llm.InvalidUpstreamResponseException;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.ProviderAdapter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.UnsupportedRequestException;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.UpstreamRequest;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.DroppedFields;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.util.Map;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}, {@code x-api-key}, {@code anthropic-version}).
 * Anthropic clients are passed through natively (unknown fields and beta headers kept); OpenAI
 * clients are translated both ways.
 */
public final class AnthropicAdapter implements ProviderAdapter {
  public static final String BASE_URL = "https://api.anthropic.com";
  public static final String DEFAULT_VERSION = "2023-06-01";

  private final ObjectMapper json;
  private final UpstreamJson upstreamJson;

  public AnthropicAdapter(ObjectMapper json) {
    this.json = json;
    this.upstreamJson = new UpstreamJson(json);
  }

  @Override
  public UpstreamRequest prepare(LlmRequest request, Deployment d) {
    if (request.endpoint() == Endpoint.EMBEDDINGS) {
      throw new UnsupportedRequestException("Model '" + request.model() + "' is served by Anthropic (deployment '"
          + d.name() + "'), which has no embeddings API.");
    }
    boolean nativeClient = request.format() == ClientFormat.ANTHROPIC;
    var cfg = d.config();
    String path = request.endpoint() == Endpoint.COUNT_TOKENS ? "/v1/messages/count_tokens" : "/v1/messages";
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, request.stream() ? "text/event-stream" : "application/json");
    if (cfg.apiKey() != null && !cfg.apiKey().isEmpty()) {
      headers.set("x-api-key", cfg.apiKey());
    }
    String clientVersion = nativeClient ? request.clientHeaders().get("anthropic-version") : null;
    headers.set("anthropic-version", clientVersion != null ? clientVersion
        : cfg instanceof dev.portcullis.config.DeploymentConfig.Anthropic a && a.anthropicVersion() != null
            ? a.anthropicVersion() : DEFAULT_VERSION);
    String beta = nativeClient ? request.clientHeaders().get("anthropic-beta") : null;
    if (beta != null) {
      headers.set("anthropic-beta", beta);
    }
    for (Map.Entry<String, String> h : cfg.headers().entrySet()) {
      headers.set(h.getKey(), h.getValue());
    }
    return new UpstreamRequest(d.baseUrl() + path, headers, nativeClient ? nativeBody(request, d)
        : translatedBody(request, d));
  }

  private Buffer nativeBody(LlmRequest request, Deployment d) {
    if (d.upstreamModel().equals(request.model())) {
      return request.raw();
    }
    ObjectNode copy = request.body().deepCopy();
    copy.put("model", d.upstreamModel());
    return Buffer.buffer(copy.toString());
  }

  private Buffer translatedBody(LlmRequest request, Deployment d) {
    DroppedFields dropped = new DroppedFields();
    ObjectNode body = OpenAiToAnthropicRequest.convert(json, request.body(), d.upstreamModel(), dropped);
    dropped.warn(request.requestId(), "openai", "anthropic");
    return Buffer.buffer(body.toString());
  }

  @Override
  public TranslatedBody translateBody(LlmRequest request, Buffer upstreamBody) {
    if (request.endpoint() == Endpoint.COUNT_TOKENS) {
      ObjectNode count = upstreamJson.object(upstreamBody, "the token count");
      if (!count.path("input_tokens").isIntegralNumber()) {
        throw new InvalidUpstreamResponseException("the token count has no integer 'input_tokens'");
      }
      return new TranslatedBody(upstreamBody, Usage.NONE);
    }
    ObjectNode tree = upstreamJson.object(upstreamBody, "the message");
    // Relayed natively or translated, a message without its content array is no answer.
    UpstreamJson.requireArray(tree, "content", "the message");
    Usage usage = AnthropicUsage.parse(tree.get("usage"));
    if (usage == null) {
      usage = Usage.NONE;
    }
    if (request.format() == ClientFormat.ANTHROPIC) {
      return new TranslatedBody(upstreamBody, usage);
    }
    ObjectNode openai = AnthropicToOpenAiResponse.convert(tree, usage, System.currentTimeMillis() / 1000);
    return new TranslatedBody(Buffer.buffer(openai.toString()), usage);
  }

  @Override
  public StreamTranslator streamTranslator(LlmRequest request, Deployment deployment) {
    return request.format() == ClientFormat.ANTHROPIC ? new AnthropicPassThroughStream(json)
        : new AnthropicToOpenAiStream(json, request);
  }

  @Override
  public Buffer translateError(LlmRequest request, int status, Buffer upstreamBody) {
    return request.format() == ClientFormat.ANTHROPIC ? upstreamBody
        : AnthropicErrorShapes.toOpenAi(status, upstreamBody);
  }
}
