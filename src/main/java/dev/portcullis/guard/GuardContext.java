package dev.portcullis.guard;

/**
 * Where a piece of data is passing, which decides the rules that apply. Any field may be null.
 *
 * @param surface llm or mcp
 * @param route the route or method (chat_completions, messages, tools/call, resources/read...)
 * @param model the model asked for (LLM surface)
 * @param key the caller's key id
 * @param persona the caller's persona or principal kind
 * @param server the MCP server (MCP surface)
 * @param tool the tool called (MCP surface)
 */
public record GuardContext(String surface, String route, String model, String key, String persona, String server,
    String tool) {
  public static GuardContext llm(String route, String model, String key, String persona) {
    return new GuardContext("llm", route, model, key, persona, null, null);
  }

  public static GuardContext mcp(String route, String server, String tool, String key, String persona) {
    return new GuardContext("mcp", route, null, key, persona, server, tool);
  }
}
