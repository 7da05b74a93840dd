package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Responses API's {@code {"type": "mcp"}} tools, read as the gateway's own MCP endpoints the
 * loop may use. The gateway never calls an arbitrary URL: a {@code server_url} must name this
 * gateway ({@code /mcp} for every server, {@code /mcp/{virtual-server}} for one view) on a host
 * the client reached it by; without a URL the {@code server_label} names a server or virtual server.
 *
 * <p>{@code require_approval} is the client's own wish to approve calls before the gateway runs
 * them ({@link ClientApprovalFilter}); the gateway's policy applies to every call regardless.
 *
 * @param selections what the toolbox lists
 * @param labels the client's {@code server_label} of each selected server or virtual server
 * @param approvals which tools of each selected server or virtual server the client approves itself
 */
public record ResponsesMcpTools(List<McpSelection> selections, Map<String, String> labels,
    Map<String, ClientApprovalFilter> approvals) {
  /** The tool type the Responses API gives remote MCP servers. */
  public static final String TYPE = "mcp";
  private static final String MCP_PATH = "/mcp";

  /** Whether the request's {@code tools} hold an MCP tool. */
  public static boolean asked(JsonNode request) {
    for (JsonNode t : request.path("tools")) {
      if (TYPE.equals(t.path("type").asText())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads every MCP tool of {@code tools}.
   *
   * @param ownHosts the host names that reach this gateway (the request's Host, loopback)
   * @param serverKeys the keys of {@code mcp.servers}: what {@code /mcp} lists
   */
  public static ResponsesMcpTools parse(JsonNode tools, Set<String> ownHosts, List<String> serverKeys) {
    List<McpSelection> selections = new ArrayList<>();
    Map<String, String> labels = new LinkedHashMap<>();
    Map<String, ClientApprovalFilter> approvals = new LinkedHashMap<>();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      if (!TYPE.equals(t.path("type").asText())) {
        continue;
      }
      String where = "tools[" + i + "]";
      String label = text(t, "server_label", where);
      if (label == null) {
        throw invalid("'" + where + ".server_label' is required for an mcp tool");
      }
      ClientApprovalFilter approval = ClientApprovalFilter.parse(t.get("require_approval"), where + ".require_approval");
      if (t.has("connector_id") || t.has("headers") || t.has("authorization")) {
        throw invalid("'" + where + "' may not carry connector_id, headers or authorization: the gateway calls"
            + " its own MCP servers under the caller's identity");
      }
      Set<String> allowed = allowed(t.get("allowed_tools"), where);
      String url = text(t, "server_url", where);
      List<String> servers = url == null ? List.of(label) : servers(url, ownHosts, serverKeys, where);
      for (String s : servers) {
        selections.add(new McpSelection(s, allowed));
        labels.putIfAbsent(s, label);
        approvals.putIfAbsent(s, approval);
      }
    }
    return new ResponsesMcpTools(List.copyOf(selections), Collections.unmodifiableMap(labels), Map.copyOf(approvals));
  }

  /** Whether the client approves calls of this tool itself before the gateway runs them. */
  public boolean clientApproves(Toolbox.Tool tool) {
    ClientApprovalFilter f = approvals.get(tool.server());
    return f == null || f.required(tool);
  }

  private static List<String> servers(String url, Set<String> ownHosts, List<String> serverKeys, String where) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw invalid("'" + where + ".server_url' is not a URL");
    }
    String host = uri.getHost() == null ? null : uri.getHost().toLowerCase(java.util.Locale.ROOT);
    String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("/+$", "");
    boolean ours = host != null && ownHosts.contains(host) && uri.getUserInfo() == null
        && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()));
    if (!ours || !(path.equals(MCP_PATH) || path.startsWith(MCP_PATH + "/"))) {
      throw invalid("'" + where + ".server_url' must name this gateway's own /mcp or /mcp/{virtual-server}"
          + " endpoint: the gateway does not call other MCP servers");
    }
    if (path.equals(MCP_PATH)) {
      return serverKeys;
    }
    String view = path.substring(MCP_PATH.length() + 1);
    if (view.isEmpty() || view.contains("/")) {
      throw invalid("'" + where + ".server_url' must name /mcp or /mcp/{virtual-server}");
    }
    return List.of(view);
  }

  private static Set<String> allowed(JsonNode n, String where) {
    if (n == null || n.isNull()) {
      return null;
    }
    JsonNode names = n.isObject() ? n.get("tool_names") : n;
    if (names == null || !names.isArray() || (n.isObject() && n.size() != 1)) {
      throw invalid("'" + where + ".allowed_tools' must be an array of tool names or {\"tool_names\": [...]}");
    }
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode a : names) {
      if (!a.isTextual()) {
        throw invalid("'" + where + ".allowed_tools' must hold tool names");
      }
      out.add(a.textValue());
    }
    return Set.copyOf(out);
  }

  private static String text(JsonNode t, String field, String where) {
    JsonNode n = t.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual() || n.textValue().isEmpty()) {
      throw invalid("'" + where + "." + field + "' must be a non-empty string");
    }
    return n.textValue();
  }

  private static LoopError invalid(String message) {
    return new LoopError(LoopError.Kind.INVALID_REQUEST, message);
  }
}
