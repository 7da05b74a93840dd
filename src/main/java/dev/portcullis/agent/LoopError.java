package dev.portcullis.agent;

/**
 * Why the gateway stopped or refused a tool loop: a bad {@code portcullis} field, a bound reached,
 * a tool name clash. The surface maps {@link Kind} to its own status and error shape.
 */
public final class LoopError extends RuntimeException {
  /** What went wrong, with the error code clients see. */
  public enum Kind {
    INVALID_REQUEST("invalid_request_error", 400),
    MAX_ITERATIONS("max_iterations_exceeded", 400),
    MAX_TOOL_CALLS("max_tool_calls_exceeded", 400),
    MAX_WALL_TIME("max_wall_time_exceeded", 504),
    TOOLS_UNAVAILABLE("mcp_tools_unavailable", 502);

    public final String code;
    public final int status;

    Kind(String code, int status) {
      this.code = code;
      this.status = status;
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
