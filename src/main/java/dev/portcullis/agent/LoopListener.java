package dev.portcullis.agent;

/**
 * What a surface may show while a loop runs (the Responses API streams {@code mcp_call} events
 * from it). Called on the loop's event loop; the default does nothing.
 */
public interface LoopListener {
  LoopListener NONE = new LoopListener() { };

  /** The gateway's tools were listed and offered to the model. */
  default void toolsListed(java.util.List<Toolbox.Tool> tools) { }

  /** A tool call is about to go through the MCP gateway. */
  default void toolStarted(ToolUse use, Toolbox.Tool tool) { }

  /** A tool call ended (a result, a tool error or a refusal). */
  default void toolDone(ToolStep step) { }
}
