package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.mcp.aggregate.Entry;
import java.util.List;

/**
 * The MCP part of the console that only looks: every upstream with its health, protocol era and
 * tools, and each virtual server with what it exposes. Lists of names are capped on the page.
 */
final class McpServersView {
  /** At most this many names of one list are shown; the rest are counted. */
  static final int MAX_NAMES = 200;

  /** What one virtual server exposes now; a null list could not be built (an upstream failed). */
  record Virtual(String name, String description, List<Entry> tools, List<Entry> resources, List<Entry> prompts) {}

  private McpServersView() {
  }

  /**
   * @param upstreams the {@code mcp_upstreams} array of the gateway's status document
   * @param tools the tools /mcp lists now, or null when they could not be listed
   */
  static String upstreams(JsonNode upstreams, List<Entry> tools) {
    StringBuilder b = new StringBuilder("<h2>Upstream servers</h2><div class=\"table-wrap\"><table id=\"upstreams\">")
        .append("<thead><tr><th>Server</th><th>Transport</th><th>Health</th><th>Era</th><th>Tools</th></tr></thead><tbody>");
    if (upstreams.isEmpty()) {
      b.append("<tr><td colspan=\"5\" class=\"empty\">No upstream servers.</td></tr>");
    }
    for (JsonNode u : upstreams) {
      String name = u.path("name").asText();
      boolean up = u.path("connected").asBoolean();
      b.append("<tr data-upstream=\"").append(esc(name)).append("\"><td data-label=\"Server\">").append(esc(name))
          .append("</td><td data-label=\"Transport\">").append(esc(u.path("transport").asText("")))
          .append("</td><td data-label=\"Health\" class=\"health\"><span class=\"").append(up ? "ok" : "error").append("\">")
          .append(up ? "connected" : esc(u.path("state").asText())).append("</span>");
      if (!up && u.hasNonNull("last_error")) {
        b.append("<br><span class=\"muted\">").append(esc(u.path("last_error").asText())).append("</span>");
      }
      b.append("</td><td data-label=\"Era\">").append(u.hasNonNull("era") ? esc(u.path("era").asText()) + " ("
          + esc(u.path("protocol_version").asText()) + ")" : "<span class=\"muted\">unknown</span>")
          .append("</td><td data-label=\"Tools\" class=\"names\">")
          .append(tools == null ? "<span class=\"muted\">could not be listed</span>"
              : names(tools.stream().filter(e -> e.upstream().key().equals(name)).toList()))
          .append("</td></tr>");
    }
    return b.append("</tbody></table></div>").toString();
  }

  static String virtualServers(List<Virtual> servers) {
    StringBuilder b = new StringBuilder("<h2>Virtual servers</h2>");
    if (servers.isEmpty()) {
      return b.append("<p class=\"empty\">No virtual servers (mcp.virtual_servers).</p>").toString();
    }
    b.append("<div class=\"table-wrap\"><table id=\"virtual-servers\"><thead><tr><th>Endpoint</th><th>Tools</th>")
        .append("<th>Resources</th><th>Prompts</th></tr></thead><tbody>");
    for (Virtual v : servers) {
      b.append("<tr data-virtual=\"").append(esc(v.name())).append("\"><td data-label=\"Endpoint\"><code>/mcp/")
          .append(esc(v.name())).append("</code>");
      if (v.description() != null) {
        b.append("<br><span class=\"muted\">").append(esc(v.description())).append("</span>");
      }
      b.append("</td><td data-label=\"Tools\" class=\"names\">").append(listed(v.tools()))
          .append("</td><td data-label=\"Resources\" class=\"names\">").append(listed(v.resources()))
          .append("</td><td data-label=\"Prompts\" class=\"names\">").append(listed(v.prompts())).append("</td></tr>");
    }
    return b.append("</tbody></table></div>").toString();
  }

  private static String listed(List<Entry> entries) {
    return entries == null ? "<span class=\"muted\">could not be listed</span>" : names(entries);
  }

  private static String names(List<Entry> entries) {
    if (entries.isEmpty()) {
      return "<span class=\"muted\">none</span>";
    }
    StringBuilder b = new StringBuilder();
    int shown = Math.min(MAX_NAMES, entries.size());
    for (int i = 0; i < shown; i++) {
      Entry e = entries.get(i);
      b.append("<code title=\"").append(esc(e.upstream().key() + ": " + e.original())).append("\">")
          .append(esc(e.exposed())).append("</code> ");
    }
    if (entries.size() > shown) {
      b.append("<span class=\"muted\">and ").append(entries.size() - shown).append(" more</span>");
    }
    return b.toString();
  }
}
