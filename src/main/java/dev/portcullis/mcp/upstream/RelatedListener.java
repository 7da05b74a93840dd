package dev.portcullis.mcp.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;

/**
 * Receives what an upstream sends in relation to one request while it runs (on that request's
 * response stream): log and progress notifications, and requests to the client (sampling,
 * elicitation) whose answers go back upstream.
 */
public interface RelatedListener {
  void notification(String method, ObjectNode params);

  Future<JsonNode> request(String method, ObjectNode params);
}
