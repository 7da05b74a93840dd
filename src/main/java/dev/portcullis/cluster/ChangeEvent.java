package dev.portcullis.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * One message between replicas. A change says only what to invalidate: every replica re-reads
 * the store, which stays the source of truth, so a lost or repeated event costs a re-read, never
 * a wrong answer.
 *
 * @param origin the replica that published it (a replica ignores its own)
 * @param session the MCP session a {@link Kind#SESSION_MESSAGE} is for; else null
 * @param message the JSON-RPC message relayed to that session; else null
 */
public record ChangeEvent(Kind kind, String origin, String session, String message) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The channel change events go on, under the deployment's {@code cluster.redis.channel}. */
  static String channel(String namespace) {
    return namespace + ":events";
  }

  public enum Kind {
    /** Virtual keys or teams (and so their budgets) changed: re-read keys and teams. */
    KEYS,
    /** The configuration was reloaded (policy, personas, guard, MCP servers): reload it. */
    CONFIG,
    /** A tool pin was approved: re-read the pins. */
    PINS,
    /** An MCP session was deleted: drop any copy of it. */
    SESSION_CLOSED,
    /** A message for an MCP session whose stream may be open on another replica. */
    SESSION_MESSAGE,
    /** Not sent: the shared state came back after being unreachable; re-read everything. */
    RESYNC
  }

  String encode() {
    ObjectNode o = JSON.createObjectNode().put("kind", kind.name().toLowerCase(Locale.ROOT)).put("origin", origin);
    if (session != null) {
      o.put("session", session);
    }
    if (message != null) {
      o.put("message", message);
    }
    return o.toString();
  }

  /** The event in {@code text}, or null when it is not one this version knows (a newer replica's). */
  static ChangeEvent decode(String text) {
    try {
      JsonNode o = JSON.readTree(text);
      Kind kind = Kind.valueOf(o.path("kind").asText("").toUpperCase(Locale.ROOT));
      if (kind == Kind.RESYNC) {
        return null;
      }
      return new ChangeEvent(kind, o.path("origin").asText(""), o.path("session").asText(null),
          o.path("message").asText(null));
    } catch (Exception e) {
      return null;
    }
  }
}
