package dev.portcullis.mcp.aggregate;

/** The four kinds of listable things an MCP server offers, with their list method and key field. */
public enum ItemKind {
  TOOLS("tools/list", "tools", "tools", "name"),
  RESOURCES("resources/list", "resources", "resources", "uri"),
  TEMPLATES("resources/templates/list", "resourceTemplates", "resources", "uriTemplate"),
  PROMPTS("prompts/list", "prompts", "prompts", "name");

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
