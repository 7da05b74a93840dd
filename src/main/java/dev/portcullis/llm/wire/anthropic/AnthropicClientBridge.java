package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.ClientFormat;
import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.Endpoint;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.ProviderAdapter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.UnsupportedRequestException;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.UpstreamRequest;
import dev.portcullis.llm.wire.DroppedFields;
import io.vertx.core.buffer.Buffer;

/**
 * Lets Anthropic clients use a provider whose adapter speaks the OpenAI client contract
 * (OpenAI, Azure, OpenAI-compatible, Gemini, Bedrock): the Messages request becomes an OpenAI chat
 * request for the inner adapter, and its OpenAI-shaped answer becomes an Anthropic one. OpenAI
 * clients go straight to the inner adapter.
 */
public final class AnthropicClientBridge implements ProviderAdapter {
  private final ProviderAdapter inner;
  private final ObjectMapper json;
  private final TokenCounter tokens;
  private final UpstreamJson upstreamJson;

  public AnthropicClientBridge(ProviderAdapter inner, ObjectMapper json, TokenCounter tokens) {
    this.inner = inner;
    this.json = json;
    this.tokens = tokens;
    this.upstreamJson = new UpstreamJson(json);
  }

  private LlmRequest asOpenAi(LlmRequest request, boolean warn) {
    DroppedFields dropped = new DroppedFields();
    ObjectNode body = AnthropicToOpenAiRequest.convert(request.body(), dropped);
    if (warn) {
      dropped.warn(request.requestId(), "anthropic", "openai");
    }
    return request.translated(Endpoint.CHAT_COMPLETIONS, ClientFormat.OPENAI, body, Buffer.buffer(body.toString()));
  }

  @Override
  public UpstreamRequest prepare(LlmRequest request, Deployment deployment) {
    if (request.format() != ClientFormat.ANTHROPIC) {
      return inner.prepare(request, deployment);
    }
    if (request.endpoint() == Endpoint.COUNT_TOKENS) {
      throw new UnsupportedRequestException("Deployment '" + deployment.name() + "' (" + deployment.provider()
          + ") cannot count tokens upstream.");
    }
    return inner.prepare(asOpenAi(request, true), deployment);
  }

  @Override
  public TranslatedBody translateBody(LlmRequest request, Buffer upstreamBody) {
    if (request.format() != ClientFormat.ANTHROPIC) {
      return inner.translateBody(request, upstreamBody);
    }
    TranslatedBody openai = inner.translateBody(asOpenAi(request, false), upstreamBody);
    // The inner adapter checked the upstream's answer and wrote this chat completion itself.
    JsonNode chat = upstreamJson.object(openai.body(), "the chat completion");
    ObjectNode message = OpenAiToAnthropicResponse.convert(json, chat, request.model(), openai.usage());
    return new TranslatedBody(Buffer.buffer(message.toString()), openai.usage());
  }

  @Override
  public StreamTranslator streamTranslator(LlmRequest request, Deployment deployment) {
    if (request.format() != ClientFormat.ANTHROPIC) {
      return inner.streamTranslator(request, deployment);
    }
    LlmRequest openai = asOpenAi(request, false);
    return new OpenAiToAnthropicStream(inner.streamTranslator(openai, deployment), json, request.model(),
        tokens.countPrompt(request.model(), openai.body()));
  }

  @Override
  public String streamMediaType() {
    return inner.streamMediaType();
  }

  @Override
  public Buffer translateError(LlmRequest request, int status, Buffer upstreamBody) {
    if (request.format() != ClientFormat.ANTHROPIC) {
      return inner.translateError(request, status, upstreamBody);
    }
    return AnthropicErrorShapes.fromOther(status, inner.translateError(asOpenAi(request, false), status,
        upstreamBody));
  }

  @Override
  public Buffer answerLocally(LlmRequest request, Deployment deployment) {
    if (request.endpoint() != Endpoint.COUNT_TOKENS) {
      return inner.answerLocally(request, deployment);
    }
    long count = tokens.countPrompt(request.model(), asOpenAi(request, false).body());
    return Buffer.buffer(json.createObjectNode().put("input_tokens", count).toString());
  }
}
