package dev.portcullis.pipeline;

/** Where a call came in. Surfaces differ only in wire shapes; the audit trail groups them by {@link #audited}. */
public enum Surface {
  OPENAI("llm"),
  ANTHROPIC("llm"),
  /** OpenAI's Responses API. */
  RESPONSES("llm"),
  MCP("mcp");

  private final String audited;

  Surface(String audited) {
    this.audited = audited;
  }

  /** The audit trail's name for this surface's calls: model calls are "llm" whichever wire they used. */
  public String audited() {
    return audited;
  }
}
