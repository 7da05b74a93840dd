package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.identity.Principal;
import java.util.function.Consumer;

/**
 * Who sent a request and how to reach them while it runs.
 *
 * @param principal the authenticated caller
 * @param session the downstream session (legacy revisions)
 * @param view the virtual server name, or "" for all servers
 * @param requestId the client's JSON-RPC id of this request (null for notifications)
 * @param related sends a message related to this request (progress), on its stream if it has one
 */
public record CallContext(Principal principal, McpSession session, String view, JsonNode requestId,
    Consumer<JsonNode> related) {}
