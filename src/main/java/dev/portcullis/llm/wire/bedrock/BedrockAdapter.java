package dev.portcullis.llm.wire.bedrock;

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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * AWS Bedrock Runtime for OpenAI clients: chat through Converse / ConverseStream, embeddings
 * through InvokeModel; every request signed with SigV4 (service {@code bedrock}).
 */
public final class BedrockAdapter implements ProviderAdapter {
  private final ObjectMapper json;
  private final TokenCounter tokens;
  private final BedrockSigner signer = new BedrockSigner();
  private final UpstreamJson upstreamJson;

  public BedrockAdapter(ObjectMapper json, TokenCounter tokens) {
    this.json = json;
    this.tokens = tokens;
    this.upstreamJson = new UpstreamJson(json);
  }

  /** {@code https://bedrock-runtime.REGION.amazonaws.com}. */
  public static String baseUrl(String region) {
    return "https://bedrock-runtime." + region + ".amazonaws.com";
  }

  @Override
  public UpstreamRequest prepare(LlmRequest request, Deployment d) {
    var cfg = d.config();
    String modelPath = d.baseUrl() + "/model/" + URLEncoder.encode(d.upstreamModel(), StandardCharsets.UTF_8);
    ObjectNode body;
    String uri;
    switch (request.endpoint()) {
      case CHAT_COMPLETIONS -> {
        DroppedFields dropped = new DroppedFields();
        body = ConverseRequest.convert(json, request.body(), dropped);
        dropped.warn(request.requestId(), "openai", "bedrock");
        uri = modelPath + (request.stream() ? "/converse-stream" : "/converse");
      }
      case EMBEDDINGS -> {
        body = BedrockEmbeddings.request(request.body(), d.upstreamModel());
        uri = modelPath + "/invoke";
      }
      default -> throw new UnsupportedRequestException("Bedrock deployment '" + d.name() + "' cannot serve "
          + request.endpoint().path());
    }
    Buffer bytes = Buffer.buffer(body.toString());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, request.stream() ? "application/vnd.amazon.eventstream" : "application/json");
    for (Map.Entry<String, String> h : cfg.headers().entrySet()) {
      headers.set(h.getKey(), h.getValue());
    }
    var aws = (dev.portcullis.config.DeploymentConfig.Bedrock) cfg; // this adapter serves type bedrock only
    signer.sign(uri, headers, bytes, aws.region(), aws.accessKeyId(), aws.secretAccessKey(), aws.sessionToken());
    return new UpstreamRequest(uri, headers, bytes);
  }

  @Override
  public TranslatedBody translateBody(LlmRequest request, Buffer upstreamBody) {
    long estimate = tokens.countPrompt(request.model(), request.body());
    if (request.endpoint() == Endpoint.EMBEDDINGS) {
      ObjectNode tree = upstreamJson.object(upstreamBody, "the embeddings response");
      // Titan answers one 'embedding', Cohere a list of 'embeddings'.
      if (!tree.path("embedding").isArray() && !tree.path("embeddings").isArray()) {
        throw new InvalidUpstreamResponseException("the embeddings response has neither 'embedding' nor"
            + " 'embeddings'");
      }
      ObjectNode out = BedrockEmbeddings.response(request.body(), tree, request.model(), estimate);
      return new TranslatedBody(Buffer.buffer(out.toString()),
          new Usage(BedrockEmbeddings.tokens(tree, estimate), 0, 0, 0, !tree.has("inputTextTokenCount")));
    }
    ObjectNode tree = upstreamJson.object(upstreamBody, "the Converse response");
    if (!UpstreamJson.requireObject(tree, "output", "the Converse response").path("message").isObject()) {
      throw new InvalidUpstreamResponseException("the Converse response has no output.message");
    }
    Usage u = ConverseResponse.usage(tree.get("usage"));
    if (u == null) {
      u = new Usage(estimate, 0, 0, 0, true);
    }
    ObjectNode out = ConverseResponse.convert(tree, request.model(), "chatcmpl-" + request.requestId(),
        System.currentTimeMillis() / 1000, u);
    return new TranslatedBody(Buffer.buffer(out.toString()), u);
  }

  @Override
  public String streamMediaType() {
    return ConverseStream.MEDIA_TYPE;
  }

  @Override
  public StreamTranslator streamTranslator(LlmRequest request, Deployment deployment) {
    return new ConverseStream(json, request, "chatcmpl-" + request.requestId());
  }

  /** {@code {"message": "..."}} (the type is in x-amzn-ErrorType) becomes OpenAI's shape. */
  @Override
  public Buffer translateError(LlmRequest request, int status, Buffer upstreamBody) {
    String message = upstreamBody.toString();
    try {
      JsonNode tree = json.readTree(upstreamBody.getBytes());
      message = tree.path("message").asText(tree.path("Message").asText(message));
    } catch (IOException | RuntimeException notJson) {
      // keep the text
    }
    return OpenAiShapes.error(OpenAiShapes.errorType(status), null, message);
  }
}
