package dev.portcullis.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.portcullis.llm.ErrorResponder;
import dev.portcullis.telemetry.AccessRecord;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** OpenAI's error shape: {@code {"error":{"message","type","param","code"}}}. */
public final class OpenAiErrors implements ErrorResponder {
  private static final JsonFactory JSON = new JsonFactory();

  @Override
  public void respond(HttpServerResponse response, int status, String type, String code, String message) {
    respond(response, status, type, code, null, message);
  }

  public void respond(HttpServerResponse response, int status, String type, String code, String param,
      String message) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status)
        .putHeader(AccessRecord.CODE_HEADER, code != null ? code : type) // for the access log; removed before sending
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body(type, code, param, message));
  }

  @Override
  public Buffer streamError(String type, String code, String message) {
    return Buffer.buffer("data: ").appendBuffer(body(type, code, null, message)).appendString("\n\n");
  }

  static Buffer body(String type, String code, String param, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + message.length());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeObjectFieldStart("error");
      g.writeStringField("message", message);
      g.writeStringField("type", type);
      g.writeStringField("param", param);
      g.writeStringField("code", code);
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }
}
