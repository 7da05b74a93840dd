package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.aggregate.Entry;
import dev.portcullis.mcp.downstream.McpHeaders;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpMethods;
import java.util.Map;

/**
 * What a request to a 2026-07-28 upstream says about the downstream client: the capabilities
 * the gateway can relay for it (sampling, elicitation, roots — only those the client declared),
 * and the {@code Mcp-Param-*} headers the tool's schema asks for. Legacy upstreams ignore both.
 */
record McpClientHints(Map<String, String> headers, JsonNode capabilities) {
  static McpClientHints of(CallContext ctx, Entry e, String method, ObjectNode params) {
    if (!e.upstream().client().modern()) {
      return new McpClientHints(Map.of(), null);
    }
    ObjectNode caps = JsonRpc.F.objectNode();
    JsonNode declared = ctx.clientCapabilities();
    for (String c : new String[] {"sampling", "elicitation", "roots"}) {
      if (declared.has(c)) {
        caps.set(c, declared.get(c));
      }
    }
    Map<String, String> headers = McpMethods.TOOLS_CALL.equals(method)
        ? McpHeaders.forCall(e.definition().path("inputSchema"), params.path("arguments")) : Map.of();
    return new McpClientHints(headers, caps);
  }
}
