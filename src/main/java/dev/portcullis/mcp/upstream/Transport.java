package dev.portcullis.mcp.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;

/** Moves JSON-RPC messages to and from one upstream MCP server. Knows wire formats only. */
public interface Transport {
  /** Receives what the server sends. */
  interface Sink {
    void message(JsonNode message);

    /** A message sent on the response stream of one of our requests (HTTP), so related to it. */
    default void related(JsonNode message, JsonNode requestId) {
      message(message);
    }

    /** The connection (or process) is gone; pending requests will get no answer. */
    void closed(String reason);
  }

  /** Connects (or launches); messages from then on go to the sink. */
  Future<Void> open(Sink sink);

  /**
   * Sends one message. Fails with {@link SessionExpiredException} when the server no longer
   * knows the session, or with an {@link dev.portcullis.mcp.protocol.McpError} describing the failure.
   */
  Future<Void> send(ObjectNode message);

  /** As {@link #send(ObjectNode)}, with extra headers where the wire has them ({@code Mcp-Param-*}). */
  default Future<Void> send(ObjectNode message, java.util.Map<String, String> headers) {
    return send(message);
  }

  /**
   * Stops waiting for one request by dropping its response stream, where that is how the wire
   * cancels (Streamable HTTP, 2026-07-28). False when the caller must send notifications/cancelled.
   */
  default boolean abort(JsonNode requestId) {
    return false;
  }

  /**
   * Whether everything the server sends shares one channel (stdio, HTTP+SSE), so that its requests
   * to the client carry no hint of the call they belong to.
   */
  default boolean sharedChannel() {
    return false;
  }

  /** Whether to probe for a 2026-07-28 server with server/discover before falling back to initialize. */
  default boolean probesModern() {
    return true;
  }

  /** The protocol version negotiated at initialization, for transports that send it along. */
  default void negotiated(String protocolVersion) {}

  /** Whether this transport owns a long-lived connection or process that must be kept up. */
  default boolean supervised() {
    return true;
  }

  Future<Void> close();

  /** A short description for logs and errors (never credentials). */
  String describe();
}
