package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.identity.Principal;
import dev.portcullis.mcp.downstream.McpSession;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.RequestMeta;
import dev.portcullis.mcp.upstream.Cancellation;
import java.util.function.Consumer;

/**
 * Who sent a request and how to reach them while it runs.
 *
 * @param principal the authenticated caller
 * @param session the downstream session (legacy revisions; null for 2026-07-28 requests)
 * @param view the virtual server name, or "" for all servers
 * @param requestId the client's JSON-RPC id of this request (null for notifications)
 * @param related sends a message related to this request (progress), on its stream if it has one
 * @param meta the request's own metadata (2026-07-28 requests; null for legacy ones)
 * @param cancel fires when the client gives up on the request (2026-07-28: it closed the stream)
 * @param clientIp the client's address (for policy and audit), or null
 * @param trace the gateway's server span of this request, or null (tracing off)
 * @param clientApproval the decision of a client that approves the gateway's tool calls for its
 *     model itself (a tool loop), or null
 */
public record CallContext(Principal principal, McpSession session, String view, JsonNode requestId,
    Consumer<JsonNode> related, RequestMeta meta, Cancellation cancel, String clientIp,
    dev.portcullis.telemetry.McpTracing.Span trace, ClientApproval clientApproval) {

  /** A request, traced or not, that no client approved on its own. */
  public CallContext(Principal principal, McpSession session, String view, JsonNode requestId,
      Consumer<JsonNode> related, RequestMeta meta, Cancellation cancel, String clientIp,
      dev.portcullis.telemetry.McpTracing.Span trace) {
    this(principal, session, view, requestId, related, meta, cancel, clientIp, trace, null);
  }

  /** A request that is not traced. */
  public CallContext(Principal principal, McpSession session, String view, JsonNode requestId,
      Consumer<JsonNode> related, RequestMeta meta, Cancellation cancel, String clientIp) {
    this(principal, session, view, requestId, related, meta, cancel, clientIp, null);
  }

  /** A request without a known client address. */
  public CallContext(Principal principal, McpSession session, String view, JsonNode requestId,
      Consumer<JsonNode> related, RequestMeta meta, Cancellation cancel) {
    this(principal, session, view, requestId, related, meta, cancel, null);
  }

  /** A legacy (session-based) request. */
  public CallContext(Principal principal, McpSession session, String view, JsonNode requestId,
      Consumer<JsonNode> related) {
    this(principal, session, view, requestId, related, null, null, null);
  }

  /** A legacy (session-based) request from this client address. */
  public CallContext(Principal principal, McpSession session, String view, JsonNode requestId,
      Consumer<JsonNode> related, String clientIp) {
    this(principal, session, view, requestId, related, null, null, clientIp);
  }

  /** This request under the gateway's server span. */
  public CallContext traced(dev.portcullis.telemetry.McpTracing.Span span) {
    return new CallContext(principal, session, view, requestId, related, meta, cancel, clientIp, span,
        clientApproval);
  }

  /** Whether the request came in a stateless (2026-07-28 or later) revision. */
  public boolean modern() {
    return meta != null;
  }

  /** The client's capabilities: declared on this request (modern) or at initialize (legacy). */
  public JsonNode clientCapabilities() {
    if (meta != null) {
      return meta.clientCapabilities();
    }
    return session != null ? session.clientCapabilities() : JsonRpc.F.objectNode();
  }
}
