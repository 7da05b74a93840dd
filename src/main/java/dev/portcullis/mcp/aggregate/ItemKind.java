package dev.portcullis.mcp.aggregate;
import dev.portcullis.mcp.protocol.McpMethods;

/** The four kinds of listable things an MCP server offers, with their list method and key field. */
public enum ItemKind {
  TOOLS(McpMethods.TOOLS_LIST, "tools", "tools", "name"),
  RESOURCES(McpMethods.RESOURCES_LIST, "resources", "resources", "uri"),
  TEMPLATES(McpMethods.RESOURCES_TEMPLATES_LIST, "resourceTemplates", "resources", "uriTemplate"),
  PROMPTS(McpMethods.PROMPTS_LIST, "prompts", "prompts", "name");

  public final String listMethod;
  public final String field;
  public final String capability;
  public final String key;

  ItemKind(String listMethod, String field, String capability, String key) {
    this.listMethod = listMethod;
    this.field = field;
    this.capability = capability;
    this.key = key;
  }

  /** Whether items of this kind get namespaced names (tools, prompts) or keep their URIs. */
  public boolean named() {
    return this == TOOLS || this == PROMPTS;
  }

  /** The notification that tells clients the list of this kind changed. */
  public String listChanged() {
    return "notifications/" + capability + "/list_changed";
  }

  /** The subscriptions/listen filter flag (2026-07-28) that opts in to {@link #listChanged()}. */
  public String listenFlag() {
    return capability + "ListChanged";
  }
}
