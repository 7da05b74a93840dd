package dev.portcullis.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.telemetry.AccessRecord;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/** How every admin route answers: JSON bodies and the two error shapes the admin API has. */
final class AdminReplies {
  private AdminReplies() {}

  static void json(HttpServerResponse response, int status, JsonNode body) {
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toString());
  }

  /** An admin API error: {@code {"error": {"message", "type": "admin_error", "param", "code"}}}. */
  static void error(HttpServerResponse response, int status, String code, String message) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putObject("error").put("message", message).put("type", "admin_error").putNull("param").put("code", code);
    response.putHeader(AccessRecord.CODE_HEADER, code); // for the access log; removed before sending
    json(response, status, o);
  }

  /** The approvals, pins and reload routes' error: {@code {"error": {"type", "message"}}}. */
  static void typedError(HttpServerResponse response, int status, String type, String message) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putObject("error").put("type", type).put("message", message);
    json(response, status, o);
  }
}
