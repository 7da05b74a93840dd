package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;

/**
 * The wire format of one provider family: how a client request becomes an upstream request,
 * and how the upstream's answer becomes the client's. Knows nothing of keys, policy or storage.
 */
public interface ProviderAdapter {
  UpstreamRequest prepare(LlmRequest request, Deployment deployment);

  /**
   * Translates a complete successful (2xx) upstream body into the client's body.
   *
   * @throws InvalidUpstreamResponseException when the body is not the JSON the endpoint returns
   */
  TranslatedBody translateBody(LlmRequest request, Buffer upstreamBody);

  StreamTranslator streamTranslator(LlmRequest request, Deployment deployment);

  /** The media type of this provider's streamed answers. */
  default String streamMediaType() {
    return "text/event-stream";
  }

  /**
   * Translates an upstream error body (a non-2xx answer relayed to the client) into the error
   * shape of the surface the client called. The default relays it unchanged.
   */
  default Buffer translateError(LlmRequest request, int status, Buffer upstreamBody) {
    return upstreamBody;
  }

  /**
   * The answer to a request this provider cannot send upstream but the gateway can give itself
   * (Anthropic's count_tokens estimated for a non-Anthropic model), or null to call the upstream.
   */
  default Buffer answerLocally(LlmRequest request, Deployment deployment) {
    return null;
  }

  /** A non-streaming response ready for the client, with the usage it reported. */
  record TranslatedBody(Buffer body, Usage usage) {}
}
