package dev.portcullis.mcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A JSON-RPC error to return to the client: code, message and optional data. Carries no stack
 * trace (it is never logged as a failure of the gateway and never serialised with one).
 */
public final class McpError extends RuntimeException {
  public static final int PARSE_ERROR = -32700;
  public static final int INVALID_REQUEST = -32600;
  public static final int METHOD_NOT_FOUND = -32601;
  public static final int INVALID_PARAMS = -32602;
  public static final int INTERNAL_ERROR = -32603;
  /** The session id is unknown (expired, deleted, or another principal's). */
  public static final int SESSION_NOT_FOUND = -32001;
  /** Gateway-defined: the upstream server serving this item is unavailable or failed. */
  public static final int UPSTREAM_UNAVAILABLE = -32010;
  /** MCP: resource not found. */
  public static final int RESOURCE_NOT_FOUND = -32002;
  /** Gateway-defined: the upstream did not answer in time. */
  public static final int UPSTREAM_TIMEOUT = -32011;
  /** 2026-07-28: HTTP headers missing, malformed, or not matching the body (HTTP 400). */
  public static final int HEADER_MISMATCH = -32020;
  /** 2026-07-28: the request needs a client capability it did not declare (HTTP 400). */
  public static final int MISSING_CLIENT_CAPABILITY = -32021;
  /** 2026-07-28: the requested protocol version is not supported (HTTP 400). */
  public static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;
  /** Gateway-defined: a persona grant or a policy rule refuses the request (the message names the rule). */
  public static final int POLICY_DENIED = -32030;
  /** Gateway-defined: the request needs an approval; {@code data.approval_id} names it (retry once approved). */
  public static final int APPROVAL_REQUIRED = -32031;
  /** Gateway-defined: a guard rule blocks the data in the request or its result (types named, never values). */
  public static final int GUARD_BLOCKED = -32032;
  /**
   * Gateway-defined: a rate limit (rpm, max_parallel) of the caller's key, persona or user, or of a
   * tool rule, refuses the call; {@code data.limit} names the limit, {@code data.scope} and
   * {@code data.subject} whose it is, and {@code data.retry_after_ms} says when trying again may help.
   */
  public static final int RATE_LIMITED = -32033;
  /**
   * Gateway-defined: the state this replica shares with the others (Redis) is unreachable and the
   * cluster fails closed (HTTP 503): retry, possibly through another replica.
   */
  public static final int CLUSTER_UNAVAILABLE = -32040;

  /**
   * Gateway-defined: the budget of the caller's key, team or persona cannot pay for the call;
   * {@code data} as for {@link #RATE_LIMITED} ({@code data.limit} is budget_usd).
   */
  public static final int BUDGET_EXCEEDED = -32034;

  private static final long serialVersionUID = 1L;
  private final int code;
  private final transient JsonNode data;

  public McpError(int code, String message) {
    this(code, message, null);
  }

  public McpError(int code, String message, JsonNode data) {
    super(message, null, false, false);
    this.code = code;
    this.data = data;
  }

  public int code() {
    return code;
  }

  public JsonNode data() {
    return data;
  }

  public static McpError invalidParams(String message) {
    return new McpError(INVALID_PARAMS, message);
  }
}
