package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.InvalidParameterException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Responses API's MCP items in a conversation (the output of responses that ran MCP tools,
 * kept by the gateway or replayed by the client): {@code mcp_list_tools}, {@code mcp_call},
 * {@code mcp_approval_request} and {@code mcp_approval_response}. A model is never given them as
 * they are: a call becomes the function call and output it was for the model; listings and
 * approvals, which the model never saw, are left out.
 */
public final class McpItems {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String CALL = "mcp_call";
  private static final String LIST = "mcp_list_tools";
  private static final String REQUEST = "mcp_approval_request";
  private static final String RESPONSE = "mcp_approval_response";

  private McpItems() {}

  /**
   * A call the client answered and the gateway has not run yet: an {@code mcp_approval_response}
   * no {@code mcp_call} of the conversation refers to.
   *
   * @param requestId the approval request's id
   * @param serverLabel the label of the mcp tool the call is for
   * @param name the tool's name as offered to the model
   * @param arguments the model's arguments (JSON text)
   * @param approve whether the client approved
   * @param reason the client's reason, or null
   */
  public record Answered(String requestId, String serverLabel, String name, String arguments, boolean approve,
      String reason) {}

  /** Whether the items hold any MCP item. */
  public static boolean any(JsonNode items) {
    for (JsonNode item : items) {
      String type = item.path("type").asText();
      if (type.equals(CALL) || type.equals(LIST) || type.equals(REQUEST) || type.equals(RESPONSE)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The approval responses of the conversation still to act on, in order. Fails (400) for a
   * response that names no approval request of the conversation, or answers one twice.
   */
  public static List<Answered> answered(JsonNode conversation) {
    Map<String, JsonNode> requests = new HashMap<>();
    Set<String> ran = new HashSet<>();
    for (JsonNode item : conversation) {
      String type = item.path("type").asText();
      if (type.equals(REQUEST) && item.path("id").isTextual()) {
        requests.put(item.get("id").textValue(), item);
      } else if (type.equals(CALL) && item.path("approval_request_id").isTextual()) {
        ran.add(item.get("approval_request_id").textValue());
      }
    }
    List<Answered> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (JsonNode item : conversation) { // the conversation may hold kept items: "input" is all a client can be told
      if (!item.path("type").asText().equals(RESPONSE)) {
        continue;
      }
      JsonNode id = item.get("approval_request_id");
      JsonNode approve = item.get("approve");
      if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
        throw new InvalidParameterException("input", "Missing required parameter: 'approval_request_id' of an"
            + " mcp_approval_response item.");
      }
      if (approve == null || !approve.isBoolean()) {
        throw new InvalidParameterException("input", "Invalid type for 'approve' of the mcp_approval_response to '"
            + id.textValue() + "': expected a boolean.");
      }
      JsonNode request = requests.get(id.textValue());
      if (request == null) {
        throw new InvalidParameterException("input", "No mcp_approval_request with id '"
            + id.textValue() + "' in this conversation: continue the response that asked for it"
            + " (previous_response_id), or send its mcp_approval_request item before the answer.");
      }
      if (!seen.add(id.textValue())) {
        throw new InvalidParameterException("input", "The approval request '"
            + id.textValue() + "' is answered more than once.");
      }
      if (ran.contains(id.textValue())) {
        continue; // answered and run by an earlier response
      }
      JsonNode reason = item.get("reason");
      out.add(new Answered(id.textValue(), request.path("server_label").asText(), request.path("name").asText(),
          request.path("arguments").asText("{}"), approve.booleanValue(),
          reason != null && reason.isTextual() ? reason.textValue() : null));
    }
    return out;
  }

  /**
   * The conversation as a model is given it: each {@code mcp_call} as a function call and its
   * output (or error), the other MCP items left out; every other item as it is.
   */
  public static ArrayNode forModel(JsonNode conversation) {
    ArrayNode out = F.arrayNode();
    for (JsonNode item : conversation) {
      String type = item.path("type").asText();
      switch (type) {
        case CALL -> {
          String callId = item.path("approval_request_id").isTextual() ? item.get("approval_request_id").textValue()
              : item.path("id").asText();
          out.add(call(callId, item.path("name").asText(), item.path("arguments").asText("{}")));
          out.add(output(callId, item.path("error").isTextual() ? item.get("error").textValue()
              : item.path("output").asText("")));
        }
        case LIST, REQUEST, RESPONSE -> { }
        default -> out.add(item);
      }
    }
    return out;
  }

  /** A function call item, as the model made it. */
  public static ObjectNode call(String callId, String name, String arguments) {
    return F.objectNode().put("type", "function_call").put("call_id", callId).put("name", name)
        .put("arguments", arguments);
  }

  /** A function call's output item. */
  public static ObjectNode output(String callId, String text) {
    return F.objectNode().put("type", "function_call_output").put("call_id", callId).put("output", text);
  }
}
