package dev.portcullis.mcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON-RPC 2.0 message shapes: classify incoming messages and build outgoing ones. */
public final class JsonRpc {
  public static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** What kind of message a JSON value is. */
  public enum Kind { REQUEST, NOTIFICATION, RESPONSE, INVALID }

  private JsonRpc() {}

  public static Kind kind(JsonNode m) {
    if (m == null || !m.isObject() || !"2.0".equals(m.path("jsonrpc").asText(null))) {
      return Kind.INVALID;
    }
    JsonNode id = m.get("id");
    JsonNode method = m.get("method");
    if (method != null) {
      if (!method.isTextual() || method.textValue().isEmpty()) {
        return Kind.INVALID;
      }
      JsonNode params = m.get("params");
      if (params != null && !params.isObject() && !params.isNull()) {
        return Kind.INVALID; // MCP params are always objects
      }
      if (id == null) {
        return Kind.NOTIFICATION;
      }
      return validId(id) ? Kind.REQUEST : Kind.INVALID;
    }
    if (id != null && (m.has("result") ^ m.has("error")) && (validId(id) || id.isNull())) {
      return Kind.RESPONSE;
    }
    return Kind.INVALID;
  }

  /** MCP: ids are strings or integers, never null. */
  public static boolean validId(JsonNode id) {
    return id.isTextual() || id.isIntegralNumber();
  }

  /** The request's params object (empty when absent). */
  public static ObjectNode params(JsonNode m) {
    JsonNode p = m.get("params");
    return p instanceof ObjectNode o ? o : F.objectNode();
  }

  public static ObjectNode request(JsonNode id, String method, JsonNode params) {
    ObjectNode o = F.objectNode().put("jsonrpc", "2.0");
    o.set("id", id);
    o.put("method", method);
    if (params != null && !params.isNull()) {
      o.set("params", params);
    }
    return o;
  }

  public static ObjectNode notification(String method, JsonNode params) {
    ObjectNode o = F.objectNode().put("jsonrpc", "2.0").put("method", method);
    if (params != null && !params.isNull()) {
      o.set("params", params);
    }
    return o;
  }

  public static ObjectNode result(JsonNode id, JsonNode result) {
    ObjectNode o = F.objectNode().put("jsonrpc", "2.0");
    o.set("id", id == null ? NullNode.instance : id);
    o.set("result", result == null ? F.objectNode() : result);
    return o;
  }

  public static ObjectNode error(JsonNode id, int code, String message, JsonNode data) {
    ObjectNode o = F.objectNode().put("jsonrpc", "2.0");
    o.set("id", id == null ? NullNode.instance : id);
    ObjectNode e = o.putObject("error").put("code", code).put("message", message);
    if (data != null && !data.isNull()) {
      e.set("data", data);
    }
    return o;
  }

  public static ObjectNode error(JsonNode id, McpError e) {
    return error(id, e.code(), e.getMessage(), e.data());
  }

  /** The error response for any failure; unexpected exceptions become a generic internal error. */
  public static ObjectNode error(JsonNode id, Throwable t) {
    if (t instanceof McpError e) {
      return error(id, e);
    }
    return error(id, McpError.INTERNAL_ERROR, "Internal error in the gateway", null);
  }

  private static final java.util.regex.Pattern SECRET_KEY = java.util.regex.Pattern.compile(
      "(?i).*(token|secret|password|passwd|authorization|api[_-]?key|cookie|credential).*");

  /**
   * A copy of a message for a log line: values under secret-looking keys masked, cut to at most
   * {@code maxChars} characters (with the full length noted). "(missing)" for no message at all.
   */
  public static String forLog(JsonNode m, int maxChars) {
    if (m == null || m.isMissingNode()) {
      return "(missing)";
    }
    String s = masked(m).toString();
    return s.length() <= maxChars ? s : s.substring(0, maxChars) + "... (" + s.length() + " chars)";
  }

  private static JsonNode masked(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = F.objectNode();
      n.fields().forEachRemaining(f -> o.set(f.getKey(), SECRET_KEY.matcher(f.getKey()).matches()
          && !f.getValue().isContainerNode() ? F.textNode("***") : masked(f.getValue())));
      return o;
    }
    if (n.isArray()) {
      com.fasterxml.jackson.databind.node.ArrayNode a = F.arrayNode();
      n.forEach(x -> a.add(masked(x)));
      return a;
    }
    return n;
  }

  /** The progress token in a request's params._meta, or null. */
  public static JsonNode progressToken(ObjectNode params) {
    JsonNode t = params.path("_meta").get("progressToken");
    return t == null || t.isNull() ? null : t;
  }
}
