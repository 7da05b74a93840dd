package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpMethods;
import io.vertx.core.Future;

/** The protocol engine behind a transport: answers requests, takes notifications. */
public interface McpHandler {
  /** The result of a request, or a failed future with an {@link McpError}. */
  Future<JsonNode> request(CallContext ctx, String method, ObjectNode params);

  void notification(CallContext ctx, String method, ObjectNode params);

  /** Whether answering may emit related messages first (logs, progress, requests to the client): then it is streamed. */
  default boolean streams(String method, ObjectNode params) {
    return McpMethods.TOOLS_CALL.equals(method) || JsonRpc.progressToken(params) != null;
  }

  /** Whether the endpoint has this virtual server ("" is always known). */
  boolean hasView(String view);
}
