package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;

/**
 * The wire format of one provider family: how a client request becomes an upstream request,
 * and how the upstream's answer becomes the client's. Knows nothing of keys, policy or storage.
 */
public interface ProviderAdapter {
  UpstreamRequest prepare(LlmRequest request, Deployment deployment);

  /** Translates a complete successful (2xx) upstream body into the client's body. */
  TranslatedBody translateBody(LlmRequest request, Buffer upstreamBody);

  StreamTranslator streamTranslator(LlmRequest request, Deployment deployment);

  /** A non-streaming response ready for the client, with the usage it reported. */
  record TranslatedBody(Buffer body, Usage usage) {}
}
