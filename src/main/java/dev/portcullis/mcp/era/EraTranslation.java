package dev.portcullis.mcp.era;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.mcp.protocol.ProtocolVersions;
import dev.portcullis.mcp.protocol.RequestMeta;
import java.util.List;
import java.util.Set;

/**
 * Translation between the two eras of MCP a client or upstream may speak: the session era
 * ({@code initialize}, a session id, a GET stream for server messages) and the 2026-07-28
 * stateless era (no session, {@code server/discover}, {@code _meta} on every request, results
 * that say their {@code resultType} and how long they may be cached). The gateway serves one set
 * of methods; this is what differs at the edges: which methods a client's era has, what a
 * stateless client's results carry, and what a session-era client must not see of a stateless
 * upstream's result.
 */
public final class EraTranslation {
  /** Methods of the session era that 2026-07-28 dropped (its clients subscribe with subscriptions/listen). */
  private static final Set<String> SESSION_ONLY = Set.of(McpMethods.INITIALIZE, McpMethods.PING,
      McpMethods.LOGGING_SET_LEVEL, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE);
  /** Results a 2026-07-28 client may cache (per principal: what one sees may differ from what another sees). */
  private static final Set<String> CACHEABLE = Set.of(McpMethods.SERVER_DISCOVER, McpMethods.TOOLS_LIST,
      McpMethods.PROMPTS_LIST, McpMethods.RESOURCES_LIST, McpMethods.RESOURCES_TEMPLATES_LIST,
      McpMethods.RESOURCES_READ);
  private static final String RESULT_TYPE = "resultType";
  private static final String COMPLETE = "complete";

  private final String serverVersion;

  /** @param serverVersion the gateway's version, in the server identity of stateless results */
  public EraTranslation(String serverVersion) {
    this.serverVersion = serverVersion;
  }

  /**
   * Why a method does not exist for a client of this era ({@code METHOD_NOT_FOUND}), or null
   * when it does.
   *
   * @param stateless whether the client speaks 2026-07-28
   * @param version the protocol version a stateless client sent (its message names it)
   */
  public McpError unsupported(String method, boolean stateless, String version) {
    if (!stateless && McpMethods.SUBSCRIPTIONS_LISTEN.equals(method)) {
      return new McpError(McpError.METHOD_NOT_FOUND, "Method not found: " + method
          + " (protocol version " + ProtocolVersions.V2026_07_28 + " and later; sessions use the GET stream)");
    }
    if (stateless && SESSION_ONLY.contains(method)) {
      return new McpError(McpError.METHOD_NOT_FOUND, "Method not found: " + method
          + " (not part of protocol version " + version + ")");
    }
    return null;
  }

  /**
   * A result as a 2026-07-28 client receives it: its {@code resultType} (complete unless it says
   * otherwise), cache hints on cacheable methods, and the server's identity in {@code _meta}.
   *
   * @param view the endpoint answering: {@code ""} for /mcp, else a virtual server's name
   */
  public JsonNode toStateless(String view, String method, JsonNode result) {
    if (!(result instanceof ObjectNode r)) {
      return result;
    }
    if (!r.has(RESULT_TYPE)) {
      r.put(RESULT_TYPE, COMPLETE);
    }
    if (CACHEABLE.contains(method) && COMPLETE.equals(r.path(RESULT_TYPE).asText())) {
      r.put("cacheScope", "private"); // what a principal sees may differ from what another sees
      if (!r.has("ttlMs")) {
        r.put("ttlMs", 0);
      }
    }
    JsonNode meta = r.get("_meta");
    ObjectNode m = meta instanceof ObjectNode o ? o : r.putObject("_meta");
    m.putObject(RequestMeta.SERVER_INFO).put("name", view.isEmpty() ? "portcullis" : "portcullis/" + view)
        .put("version", serverVersion);
    return r;
  }

  /** What a session-era client must not see of a 2026-07-28 upstream's result. */
  public static JsonNode toSession(JsonNode result) {
    if (result instanceof ObjectNode r && r.has(RESULT_TYPE)) {
      r.remove(List.of(RESULT_TYPE, "cacheScope", "ttlMs"));
      if (r.path("_meta") instanceof ObjectNode m) {
        m.remove(RequestMeta.SERVER_INFO);
        if (m.isEmpty()) {
          r.remove("_meta");
        }
      }
    }
    return result;
  }
}
