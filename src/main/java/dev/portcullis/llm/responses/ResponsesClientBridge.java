package dev.portcullis.llm.responses;

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
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.UpstreamRequest;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.DroppedFields;
import io.vertx.core.buffer.Buffer;

/**
 * Serves Responses API clients on any provider. A provider that has the Responses API itself
 * (OpenAI, Azure OpenAI: {@code nativeResponses}) receives the request as it is; any other gets
 * it as a chat completions request for the inner adapter, whose chat answer becomes a Responses
 * answer (plain or streamed). Clients of the other surfaces go straight to the inner adapter.
 * The gateway resolved {@code previous_response_id} into the input before this point, so it is
 * never sent upstream (an upstream knows nothing of the gateway's stored responses).
 */
public final class ResponsesClientBridge implements ProviderAdapter {
  private final ProviderAdapter inner;
  private final boolean nativeResponses;
  private final ObjectMapper json;
  private final TokenCounter tokens;
  private final UpstreamJson upstreamJson;

  public ResponsesClientBridge(ProviderAdapter inner, boolean nativeResponses, ObjectMapper json,
      TokenCounter tokens) {
    this.inner = inner;
    this.nativeResponses = nativeResponses;
    this.json = json;
    this.tokens = tokens;
    this.upstreamJson = new UpstreamJson(json);
  }

  /** The request as chat completions; {@code warn} logs what the translation dropped (once per attempt). */
  public static LlmRequest asChat(LlmRequest request, boolean warn) {
    DroppedFields dropped = new DroppedFields();
    ObjectNode chat = ResponsesToChatRequest.convert(request.body(), dropped);
    if (warn) {
      dropped.warn(request.requestId(), "responses", "chat_completions");
    }
    return request.translated(Endpoint.CHAT_COMPLETIONS, ClientFormat.OPENAI, chat, Buffer.buffer(chat.toString()));
  }

  /** The request as the native upstream receives it: without the gateway's previous_response_id. */
  private static LlmRequest asNative(LlmRequest request) {
    if (!request.body().has("previous_response_id")) {
      return request;
    }
    ObjectNode body = request.body().deepCopy();
    body.remove("previous_response_id");
    return request.translated(Endpoint.RESPONSES, ClientFormat.RESPONSES, body, Buffer.buffer(body.toString()));
  }

  private boolean responses(LlmRequest request) {
    return request.format() == ClientFormat.RESPONSES;
  }

  @Override
  public UpstreamRequest prepare(LlmRequest request, Deployment deployment) {
    if (!responses(request)) {
      return inner.prepare(request, deployment);
    }
    return inner.prepare(nativeResponses ? asNative(request) : asChat(request, true), deployment);
  }

  @Override
  public TranslatedBody translateBody(LlmRequest request, Buffer upstreamBody) {
    if (!responses(request)) {
      return inner.translateBody(request, upstreamBody);
    }
    if (nativeResponses) {
      ObjectNode tree = upstreamJson.object(upstreamBody, "the response");
      UpstreamJson.requireArray(tree, "output", "the response");
      Usage usage = ResponsesUsage.parse(tree.get("usage"));
      if (usage == null) {
        usage = new Usage(estimatedInput(request), tokens.count(request.model(), outputText(tree)), 0, 0, true);
      }
      return new TranslatedBody(upstreamBody, usage);
    }
    TranslatedBody chat = inner.translateBody(asChat(request, false), upstreamBody);
    // The inner adapter checked the upstream's answer and wrote this chat completion itself.
    JsonNode completion = upstreamJson.object(chat.body(), "the chat completion");
    ObjectNode response = ChatToResponse.convert(request.body(), completion, request.model(), chat.usage());
    return new TranslatedBody(Buffer.buffer(response.toString()), chat.usage());
  }

  @Override
  public StreamTranslator streamTranslator(LlmRequest request, Deployment deployment) {
    if (!responses(request)) {
      return inner.streamTranslator(request, deployment);
    }
    if (nativeResponses) {
      return new ResponsesStreamRelay(json, tokens, request.model(), estimatedInput(request));
    }
    return new ChatToResponsesStream(inner.streamTranslator(asChat(request, false), deployment), json,
        request.body(), request.model());
  }

  @Override
  public String streamMediaType() {
    return inner.streamMediaType();
  }

  @Override
  public Buffer translateError(LlmRequest request, int status, Buffer upstreamBody) {
    if (!responses(request)) {
      return inner.translateError(request, status, upstreamBody);
    }
    return inner.translateError(nativeResponses ? request : asChat(request, false), status, upstreamBody);
  }

  @Override
  public Buffer answerLocally(LlmRequest request, Deployment deployment) {
    return inner.answerLocally(request, deployment);
  }

  private long estimatedInput(LlmRequest request) {
    return tokens.countPrompt(request.model(), asChatForCounting(request));
  }

  /** The chat equivalent for counting only: items a chat provider could not take count nothing. */
  private static JsonNode asChatForCounting(LlmRequest request) {
    try {
      return ResponsesToChatRequest.convert(request.body(), new DroppedFields());
    } catch (RuntimeException unmappable) {
      return request.body();
    }
  }

  private static String outputText(JsonNode response) {
    StringBuilder text = new StringBuilder();
    for (JsonNode item : response.path("output")) {
      for (JsonNode part : item.path("content")) {
        text.append(part.path("text").asText(""));
      }
      text.append(item.path("arguments").asText(""));
    }
    return text.toString();
  }
}
