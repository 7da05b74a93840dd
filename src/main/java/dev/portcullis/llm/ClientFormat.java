package dev.portcullis.llm;

/** The wire format a client spoke to the gateway, that is, the surface it called. */
public enum ClientFormat {
  /** {@code /v1/chat/completions}, {@code /v1/embeddings}. */
  OPENAI,
  /** {@code /v1/messages}, {@code /v1/messages/count_tokens}. */
  ANTHROPIC,
  /** {@code /v1/responses}, OpenAI's Responses API. */
  RESPONSES
}
