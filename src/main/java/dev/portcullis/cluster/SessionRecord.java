package dev.portcullis.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What any replica needs to serve a legacy MCP session it did not create: who owns it, on which
 * endpoint, the negotiated protocol version, the client's initialize parameters (capabilities,
 * client info) and its resource subscriptions. Streams and requests in flight are not in it:
 * they live and die with the replica serving them.
 *
 * @param view the virtual server, or "" for the all-servers endpoint
 */
public record SessionRecord(String id, String principal, String view, String protocolVersion,
    ObjectNode initParams, List<String> subscriptions) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public SessionRecord {
    subscriptions = List.copyOf(subscriptions);
  }

  String encode() {
    ObjectNode o = JSON.createObjectNode().put("id", id).put("principal", principal).put("view", view)
        .put("protocol_version", protocolVersion);
    o.set("init", initParams);
    subscriptions.forEach(o.putArray("subscriptions")::add);
    return o.toString();
  }

  static SessionRecord decode(String text) {
    try {
      JsonNode o = JSON.readTree(text);
      List<String> subs = new ArrayList<>();
      o.path("subscriptions").forEach(s -> subs.add(s.asText()));
      JsonNode init = o.path("init");
      return new SessionRecord(o.path("id").asText(), o.path("principal").asText(), o.path("view").asText(),
          o.path("protocol_version").asText(), init.isObject() ? (ObjectNode) init : JSON.createObjectNode(), subs);
    } catch (Exception e) {
      throw new IllegalStateException("unreadable MCP session record in Redis", e);
    }
  }
}
