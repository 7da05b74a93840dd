package dev.portcullis.server;

import dev.portcullis.llm.ErrorResponder;
import dev.portcullis.llm.responses.ResponsesRecorder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * The Responses API's errors for one request: OpenAI's error JSON before anything streamed, and
 * a {@code response.failed} event (numbered in the stream's order) to end a stream that broke.
 */
final class ResponsesErrors implements ErrorResponder {
  private final OpenAiErrors errors;
  private final ResponsesRecorder recorder;

  ResponsesErrors(OpenAiErrors errors, ResponsesRecorder recorder) {
    this.errors = errors;
    this.recorder = recorder;
  }

  @Override
  public void respond(HttpServerResponse response, int status, String type, String code, String message) {
    errors.respond(response, status, type, code, message);
  }

  @Override
  public Buffer streamError(String type, String code, String message) {
    return recorder.failed(code != null ? code : type, message);
  }
}
