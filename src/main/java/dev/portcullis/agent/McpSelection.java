package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One entry of the {@code portcullis.mcp} extension field: an MCP server (its key in
 * {@code mcp.servers}) or a virtual server whose tools the gateway offers to the model and runs,
 * optionally only some of them.
 *
 * @param server the server key or virtual server name
 * @param allowedTools the tools to offer (gateway names like {@code demo__echo}, or the server's own
 *     names like {@code echo}); null for all the caller may see
 */
public record McpSelection(String server, Set<String> allowedTools) {
  /** The extension's field naming the servers. */
  public static final String FIELD = "mcp";
  private static final int MAX_SELECTIONS = 32;

  /**
   * Reads {@code "portcullis": {"mcp": ["demo", {"server": "demo", "allowed_tools": ["echo"]}]}}.
   * Unknown fields are refused rather than ignored: a misspelt {@code allowed_tools} must not
   * widen what the model may call.
   */
  public static List<McpSelection> parse(JsonNode extension) {
    if (extension == null || !extension.isObject()) {
      throw invalid("'portcullis' must be an object, for example {\"mcp\": [\"demo\"]}");
    }
    extension.fieldNames().forEachRemaining(f -> {
      if (!FIELD.equals(f)) {
        throw invalid("'portcullis." + f + "' is not a known field (known: mcp)");
      }
    });
    JsonNode list = extension.get(FIELD);
    if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_SELECTIONS) {
      throw invalid("'portcullis.mcp' must be a non-empty array (at most " + MAX_SELECTIONS
          + ") of server names or {\"server\": ..., \"allowed_tools\": [...]} objects");
    }
    List<McpSelection> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      out.add(one(list.get(i), "portcullis.mcp[" + i + "]"));
    }
    return out;
  }

  private static McpSelection one(JsonNode n, String where) {
    if (n.isTextual() && !n.textValue().isEmpty()) {
      return new McpSelection(n.textValue(), null);
    }
    if (!n.isObject()) {
      throw invalid("'" + where + "' must be a server name or an object");
    }
    n.fieldNames().forEachRemaining(f -> {
      if (!f.equals("server") && !f.equals("allowed_tools")) {
        throw invalid("'" + where + "." + f + "' is not a known field (known: server, allowed_tools)");
      }
    });
    JsonNode server = n.get("server");
    if (server == null || !server.isTextual() || server.textValue().isEmpty()) {
      throw invalid("'" + where + ".server' must be a server or virtual server name");
    }
    JsonNode allowed = n.get("allowed_tools");
    if (allowed == null) {
      return new McpSelection(server.textValue(), null);
    }
    if (!allowed.isArray()) {
      throw invalid("'" + where + ".allowed_tools' must be an array of tool names");
    }
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode a : allowed) {
      if (!a.isTextual()) {
        throw invalid("'" + where + ".allowed_tools' must be an array of tool names");
      }
      names.add(a.textValue());
    }
    return new McpSelection(server.textValue(), Set.copyOf(names));
  }

  private static LoopError invalid(String message) {
    return new LoopError(LoopError.Kind.INVALID_REQUEST, message);
  }
}
