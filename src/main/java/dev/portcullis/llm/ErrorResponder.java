package dev.portcullis.llm;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/** Writes errors in the shape of the surface the client called (OpenAI, Anthropic, ...). */
public interface ErrorResponder {
  /** A complete error response. */
  void respond(HttpServerResponse response, int status, String type, String code, String message);

  /** The event that ends a stream the gateway could not finish, in the surface's SSE shape. */
  Buffer streamError(String type, String code, String message);
}
