package dev.portcullis.mcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * What a 2026-07-28 (stateless) request says about itself in {@code params._meta}: there is no
 * session, so the protocol version, the client's capabilities and its identity ride on every request.
 *
 * @param protocolVersion {@code io.modelcontextprotocol/protocolVersion}
 * @param clientCapabilities {@code io.modelcontextprotocol/clientCapabilities} (empty when absent)
 * @param clientInfo {@code io.modelcontextprotocol/clientInfo} (missing node when absent)
 * @param logLevel {@code io.modelcontextprotocol/logLevel}, or null: then no log notifications
 * @param paramHeaders the request's {@code Mcp-Param-*} headers, names lower-cased
 */
public record RequestMeta(String protocolVersion, JsonNode clientCapabilities, JsonNode clientInfo, String logLevel,
    Map<String, String> paramHeaders) {
  public static final String PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
  public static final String CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
  public static final String CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
  public static final String LOG_LEVEL = "io.modelcontextprotocol/logLevel";
  public static final String SERVER_INFO = "io.modelcontextprotocol/serverInfo";
  public static final String SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";

  /** Reads the meta of one request's params. */
  public static RequestMeta of(ObjectNode params, Map<String, String> paramHeaders) {
    JsonNode meta = params.path("_meta");
    JsonNode caps = meta.path(CLIENT_CAPABILITIES);
    return new RequestMeta(meta.path(PROTOCOL_VERSION).asText(null),
        caps.isObject() ? caps : JsonRpc.F.objectNode(), meta.path(CLIENT_INFO),
        meta.path(LOG_LEVEL).asText(null), Map.copyOf(paramHeaders));
  }

  /** The {@code _meta} a request to a 2026-07-28 server carries. */
  public static ObjectNode outgoing(String version, JsonNode clientInfo, JsonNode capabilities) {
    ObjectNode m = JsonRpc.F.objectNode().put(PROTOCOL_VERSION, version);
    m.set(CLIENT_INFO, clientInfo);
    m.set(CLIENT_CAPABILITIES, capabilities);
    return m;
  }
}
