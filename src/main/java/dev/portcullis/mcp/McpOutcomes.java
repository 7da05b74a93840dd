package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.telemetry.AccessRecord;
import io.vertx.core.AsyncResult;
import io.vertx.ext.web.RoutingContext;

/**
 * How MCP requests end, in the words of the access log and the metrics: JSON-RPC error codes
 * become named reasons, split into refusals (the client's request or the gateway's rules said
 * no) and errors (the gateway or an upstream failed); a tool result with {@code isError} is
 * {@code tool_error}.
 */
public final class McpOutcomes {
  static final String OK = "ok";
  static final String TOOL_ERROR = "tool_error";

  private McpOutcomes() {}

  /** The reason a JSON-RPC error code stands for. */
  static String reason(int code) {
    return switch (code) {
      case McpError.PARSE_ERROR -> "parse_error";
      case McpError.INVALID_REQUEST -> "invalid_request";
      case McpError.METHOD_NOT_FOUND -> "method_not_found";
      case McpError.INVALID_PARAMS -> "invalid_params";
      case McpError.INTERNAL_ERROR -> "internal_error";
      case McpError.SESSION_NOT_FOUND -> "session_not_found";
      case McpError.RESOURCE_NOT_FOUND -> "resource_not_found";
      case McpError.UPSTREAM_UNAVAILABLE -> "upstream_unavailable";
      case McpError.UPSTREAM_TIMEOUT -> "upstream_timeout";
      case McpError.HEADER_MISMATCH -> "header_mismatch";
      case McpError.MISSING_CLIENT_CAPABILITY -> "missing_client_capability";
      case McpError.UNSUPPORTED_PROTOCOL_VERSION -> "unsupported_protocol_version";
      case McpError.POLICY_DENIED -> "policy_denied";
      case McpError.APPROVAL_REQUIRED -> "approval_required";
      case McpError.GUARD_BLOCKED -> "guard_blocked";
      case McpError.RATE_LIMITED -> "rate_limited";
      default -> "jsonrpc_" + code;
    };
  }

  /** Whether the code means the request was refused rather than failed. */
  static boolean refusal(int code) {
    return code != McpError.INTERNAL_ERROR && code != McpError.UPSTREAM_UNAVAILABLE
        && code != McpError.UPSTREAM_TIMEOUT && (code <= -32600 && code >= -32700 || code >= -32099);
  }

  /** ok, tool_error, or the reason of the error (as the metric's outcome label). */
  static String label(AsyncResult<JsonNode> ar) {
    if (ar.succeeded()) {
      return ar.result() != null && ar.result().path("isError").asBoolean(false) ? TOOL_ERROR : OK;
    }
    return ar.cause() instanceof McpError e ? reason(e.code()) : "internal_error";
  }

  /** The access-log outcome of a request that ended with {@code ar}. */
  static String outcome(AsyncResult<JsonNode> ar) {
    String label = label(ar);
    if (OK.equals(label)) {
      return AccessRecord.OK;
    }
    boolean refused = ar.failed() && ar.cause() instanceof McpError e && refusal(e.code());
    return (refused ? AccessRecord.REFUSED : AccessRecord.ERROR) + label;
  }

  /** Notes on the request's access record the method and what it names (tool, prompt or resource). */
  public static void named(RoutingContext ctx, String method, ObjectNode params) {
    AccessRecord rec = AccessRecord.of(ctx);
    if (rec != null) {
      JsonNode name = params.has("name") ? params.get("name") : params.get("uri");
      rec.mcp(method, name != null && name.isTextual() ? name.asText() : null);
    }
  }

  /** Notes how the request ended. */
  public static void ended(RoutingContext ctx, AsyncResult<JsonNode> ar) {
    AccessRecord rec = AccessRecord.of(ctx);
    if (rec != null) {
      rec.outcome(outcome(ar));
    }
  }

  /** The access-log code of an HTTP-level JSON-RPC error with status 400 (else the status says it). */
  public static String httpCode(int status, int code) {
    return status == 400 ? reason(code) : null;
  }
}
