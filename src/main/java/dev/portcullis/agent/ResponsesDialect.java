package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAI Responses API in a tool loop, for requests with {@code {"type": "mcp"}} tools. Each
 * step offers the gateway's tools as {@code function} tools; the answer is the last response with
 * OpenAI's own items for what the gateway did in front of its output: one {@code mcp_list_tools}
 * per server label, then one {@code mcp_call} per call, and {@code usage} added up over the steps.
 * One instance per run: it remembers the listed tools and the client's own {@code tools}.
 */
public final class ResponsesDialect implements Dialect {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FUNCTION_CALL = "function_call";
  private static final String[] USAGE = {"input_tokens", "output_tokens", "total_tokens"};

  private final Map<String, String> labels;
  private final JsonNode clientTools;
  private List<Toolbox.Tool> listed = List.of();

  /**
   * @param labels the client's server label of each server or virtual server ({@link ResponsesMcpTools})
   * @param clientTools the request's {@code tools} as the client sent them, echoed in the answer
   */
  public ResponsesDialect(Map<String, String> labels, JsonNode clientTools) {
    this.labels = labels;
    this.clientTools = clientTools.deepCopy();
  }

  @Override
  public ObjectNode offer(ObjectNode request, List<Toolbox.Tool> tools) {
    listed = List.copyOf(tools);
    ObjectNode out = request.deepCopy();
    ArrayNode all = out.putArray("tools");
    for (JsonNode t : request.path("tools")) {
      if (ResponsesMcpTools.TYPE.equals(t.path("type").asText())) {
        continue;
      }
      String name = t.path("name").asText(null);
      if (name != null && tools.stream().anyMatch(g -> g.name().equals(name))) {
        throw new LoopError(LoopError.Kind.INVALID_REQUEST, "The request's own tool '" + name
            + "' has the name of an MCP tool the gateway offers: rename it or leave it out of allowed_tools");
      }
      all.add(t);
    }
    for (Toolbox.Tool t : tools) {
      ObjectNode fn = all.addObject().put("type", "function").put("name", t.name());
      if (!t.description().isEmpty()) {
        fn.put("description", t.description());
      }
      fn.set("parameters", t.inputSchema());
      fn.put("strict", false);
    }
    if (all.isEmpty()) {
      out.remove("tools");
    }
    return out;
  }

  @Override
  public List<ToolUse> toolUses(ObjectNode response) {
    List<ToolUse> out = new ArrayList<>();
    for (JsonNode item : response.path("output")) {
      if (FUNCTION_CALL.equals(item.path("type").asText())) {
        out.add(new ToolUse(item.path("call_id").asText(), item.path("name").asText(), arguments(item.path("arguments"))));
      }
    }
    return out;
  }

  /** The model's arguments text as JSON; a text that is not JSON stays text (the call is refused). */
  private static JsonNode arguments(JsonNode text) {
    String s = text.asText("");
    if (s.isBlank()) {
      return F.objectNode();
    }
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      return TextNode.valueOf(s);
    }
  }

  @Override
  public ObjectNode next(ObjectNode request, ObjectNode response, List<ToolStep> results) {
    ObjectNode out = request.deepCopy();
    ArrayNode input = F.arrayNode();
    JsonNode given = request.path("input");
    if (given.isTextual()) {
      input.addObject().put("role", "user").put("content", given.textValue());
    } else if (given.isArray()) {
      input.addAll((ArrayNode) given);
    }
    for (JsonNode item : response.path("output")) {
      String type = item.path("type").asText();
      if (FUNCTION_CALL.equals(type)) {
        input.addObject().put("type", FUNCTION_CALL).put("call_id", item.path("call_id").asText())
            .put("name", item.path("name").asText()).put("arguments", item.path("arguments").asText("{}"));
      } else if ("message".equals(type)) {
        input.add(item);
      }
    }
    for (ToolStep r : results) {
      input.addObject().put("type", "function_call_output").put("call_id", r.id()).put("output", r.output());
    }
    out.set("input", input);
    return out;
  }

  @Override
  public ObjectNode answer(List<ObjectNode> responses, List<ToolStep> steps, Set<String> gatewayTools) {
    ObjectNode out = responses.get(responses.size() - 1).deepCopy();
    ArrayNode output = F.arrayNode();
    String suffix = out.path("id").asText().replaceFirst("^resp_", "");
    int n = 0;
    for (String server : labels.keySet()) {
      output.add(listTools(server, "mcpl_" + suffix + "_" + n++));
    }
    for (ToolStep s : steps) {
      output.add(call(s));
    }
    for (JsonNode item : out.path("output")) {
      if (!(FUNCTION_CALL.equals(item.path("type").asText()) && gatewayTools.contains(item.path("name").asText()))) {
        output.add(item);
      }
    }
    out.set("output", output);
    out.set("tools", clientTools);
    ObjectNode usage = out.path("usage").isObject() ? (ObjectNode) out.get("usage") : out.putObject("usage");
    for (String field : USAGE) {
      long sum = 0;
      for (ObjectNode r : responses) {
        sum += r.path("usage").path(field).asLong(0);
      }
      usage.put(field, sum);
    }
    return out;
  }

  private ObjectNode listTools(String server, String id) {
    ObjectNode item = F.objectNode().put("id", id).put("type", "mcp_list_tools")
        .put("server_label", labels.get(server));
    ArrayNode tools = item.putArray("tools");
    for (Toolbox.Tool t : listed) {
      if (t.server().equals(server)) {
        ObjectNode d = tools.addObject().put("name", t.name());
        d.set("input_schema", t.inputSchema());
        d.set("description", t.description().isEmpty() ? F.nullNode() : TextNode.valueOf(t.description()));
        d.set("annotations", t.definition().path("annotations").isObject() ? t.definition().get("annotations")
            : F.nullNode());
      }
    }
    return item;
  }

  private ObjectNode call(ToolStep s) {
    ObjectNode item = F.objectNode().put("id", "mcp_" + s.id()).put("type", "mcp_call")
        .put("server_label", labels.getOrDefault(s.server(), s.server())).put("name", s.name())
        .put("arguments", s.arguments().isTextual() ? s.arguments().textValue() : s.arguments().toString());
    item.putNull("approval_request_id");
    if (s.isError()) {
      item.putNull("output");
      item.put("error", s.output());
      item.put("status", "failed");
    } else {
      item.put("output", s.output());
      item.putNull("error");
      item.put("status", "completed");
    }
    return item;
  }

  @Override
  public Buffer stream(ObjectNode answer, ObjectNode request) {
    return new ResponsesLoopStream().events(answer);
  }
}
