package dev.portcullis.agent;

/**
 * Why the gateway stopped or refused a tool loop: a bad {@code portcullis} field, a bound reached,
 * a tool name clash. The surface maps {@link Kind} to its own status and error shape.
 */
public final class LoopError extends RuntimeException {
  /** What went wrong, with the error code clients see. */
  public enum Kind {
    INVALID_REQUEST("invalid_request_error", 400, "invalid_request_error"),
    MAX_ITERATIONS("max_iterations_exceeded", 400, "invalid_request_error"),
    MAX_TOOL_CALLS("max_tool_calls_exceeded", 400, "invalid_request_error"),
    MAX_WALL_TIME("max_wall_time_exceeded", 504, "timeout"),
    TOOLS_UNAVAILABLE("mcp_tools_unavailable", 502, "server_error");

    public final String code;
    public final int status;
    /** The OpenAI error type (Anthropic's follows from the status). */
    public final String type;

    Kind(String code, int status, String type) {
      this.code = code;
      this.status = status;
      this.type = type;
    }
  }

  private final Kind kind;

  public LoopError(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
