package dev.portcullis.llm.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.Endpoint;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.ProviderAdapter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.UpstreamRequest;
import dev.portcullis.llm.Usage;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.io.IOException;
import java.util.Map;

/**
 * OpenAI's wire format, spoken by OpenAI itself, Azure OpenAI and OpenAI-compatible servers
 * (vLLM, Ollama, Groq, Together, Mistral, OpenRouter). The client already speaks it, so the
 * request is forwarded byte for byte unless the model name or stream options must change.
 */
public final class OpenAiAdapter implements ProviderAdapter {
  public static final String OPENAI_BASE_URL = "https://api.openai.com/v1";

  private final ObjectMapper json;
  private final TokenCounter tokens;
  private final UpstreamJson upstreamJson;

  public OpenAiAdapter(ObjectMapper json, TokenCounter tokens) {
    this.json = json;
    this.tokens = tokens;
    this.upstreamJson = new UpstreamJson(json);
  }

  @Override
  public UpstreamRequest prepare(LlmRequest request, Deployment d) {
    var cfg = d.config();
    boolean azure = cfg instanceof dev.portcullis.config.DeploymentConfig.Azure;
    // Azure serves the Responses API only on its v1 API, where the model is the deployment's name.
    String uri = cfg instanceof dev.portcullis.config.DeploymentConfig.Azure az
        ? request.endpoint() == Endpoint.RESPONSES ? d.baseUrl() + "/openai/v1/responses"
            : d.baseUrl() + "/openai/deployments/" + az.deployment() + "/" + request.endpoint().path()
                + "?api-version=" + az.apiVersion()
        : d.baseUrl() + "/" + request.endpoint().path();

    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, request.stream() ? "text/event-stream" : "application/json");
    if (cfg.apiKey() != null && !cfg.apiKey().isEmpty()) {
      if (azure) {
        headers.set("api-key", cfg.apiKey());
      } else {
        headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + cfg.apiKey());
      }
    }
    for (Map.Entry<String, String> h : cfg.headers().entrySet()) {
      headers.set(h.getKey(), h.getValue());
    }
    return new UpstreamRequest(uri, headers, body(request, d, azure));
  }

  /**
   * The client's bytes when they can go as they are; a model to rename or stream usage to ask for
   * are written into those bytes where they can be; otherwise a re-serialised copy.
   */
  private Buffer body(LlmRequest request, Deployment d, boolean azure) {
    boolean responses = request.endpoint() == Endpoint.RESPONSES;
    String upstreamModel = azure && responses
        ? ((dev.portcullis.config.DeploymentConfig.Azure) d.config()).deployment() : d.upstreamModel();
    boolean renameModel = (!azure || responses) && !upstreamModel.equals(request.model());
    // stream_options.include_usage is chat's; the Responses API reports usage in its final event
    boolean askUsage = !responses && request.stream() && d.config().streamUsage() && !request.clientWantsStreamUsage();
    if (!renameModel && !askUsage) {
      return request.raw();
    }
    Buffer spliced = request.raw();
    if (renameModel) {
      spliced = ModelSplice.rename(spliced, upstreamModel);
    }
    if (askUsage && spliced != null) {
      spliced = request.body().get("stream_options") == null
          ? StreamUsageSplice.ask(spliced, request.body().isEmpty()) : null;
    }
    if (spliced != null) {
      return spliced;
    }
    ObjectNode copy = request.body().deepCopy();
    if (renameModel) {
      copy.put("model", upstreamModel);
    }
    if (askUsage) {
      JsonNode opts = copy.get("stream_options");
      ObjectNode streamOptions = opts instanceof ObjectNode o ? o : copy.putObject("stream_options");
      streamOptions.put("include_usage", true);
    }
    try {
      return Buffer.buffer(json.writeValueAsBytes(copy));
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise a parsed request", e);
    }
  }

  @Override
  public TranslatedBody translateBody(LlmRequest request, Buffer upstreamBody) {
    boolean chat = request.endpoint() == Endpoint.CHAT_COMPLETIONS;
    String what = chat ? "the chat completion" : "the embeddings response";
    // Clients (and the Anthropic bridge) index into these arrays: without them the answer is no answer.
    Usage usage = OpenAiUsage.parse(upstreamJson.usage(upstreamBody, chat ? "choices" : "data", what));
    if (usage == null) {
      // no usage reported: counted here, from the answer's text
      ObjectNode tree = upstreamJson.object(upstreamBody, what);
      long completion = 0;
      if (chat) {
        for (JsonNode choice : tree.path("choices")) {
          completion += tokens.count(request.model(), choice.path("message").path("content").asText(""));
        }
      }
      usage = new Usage(tokens.countPrompt(request.model(), request.body()), completion, 0, 0, true);
    }
    return new TranslatedBody(upstreamBody, usage);
  }

  @Override
  public StreamTranslator streamTranslator(LlmRequest request, Deployment deployment) {
    boolean injectedUsage = deployment.config().streamUsage() && !request.clientWantsStreamUsage();
    return new OpenAiStreamRelay(json, tokens, request, injectedUsage);
  }
}
