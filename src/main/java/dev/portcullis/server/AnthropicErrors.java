package dev.portcullis.server;

import dev.portcullis.llm.ErrorResponder;
import dev.portcullis.telemetry.AccessRecord;
import dev.portcullis.llm.wire.anthropic.AnthropicErrorShapes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/** Anthropic's error shape {@code {"type":"error","error":{"type","message"}}}, for /v1/messages. */
public final class AnthropicErrors implements ErrorResponder {

  @Override
  public void respond(HttpServerResponse response, int status, String type, String code, String message) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status)
        .putHeader(AccessRecord.CODE_HEADER, code != null ? code : type) // for the access log; removed before sending
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(AnthropicErrorShapes.body(anthropicType(status, code), message));
  }

  @Override
  public Buffer streamError(String type, String code, String message) {
    return AnthropicErrorShapes.event(code != null && code.endsWith("_error") ? code : "api_error", message);
  }

  /** An Anthropic type given as the code wins; otherwise the status decides. */
  private static String anthropicType(int status, String code) {
    if (code != null && code.endsWith("_error")) {
      return code;
    }
    return AnthropicErrorShapes.typeFor(status);
  }
}
