package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.portcullis.llm.responses.McpItems;
import dev.portcullis.mcp.ClientApproval;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The OpenAI Responses API in a tool loop, for requests with {@code {"type": "mcp"}} tools. Each
 * step offers the gateway's tools as {@code function} tools; the answer is the last response with
 * OpenAI's own items for what the gateway did in front of its output: one {@code mcp_list_tools}
 * per server label, one {@code mcp_call} per call, one {@code mcp_approval_request} per call the
 * client wants to approve first ({@code require_approval}), and {@code usage} added up over the
 * steps. A request that answers approval requests ({@code mcp_approval_response}) has the calls
 * made (or refused) first. One instance per run: it remembers the listed tools.
 */
public final class ResponsesDialect implements Dialect {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FUNCTION_CALL = "function_call";
  private static final String[] USAGE = {"input_tokens", "output_tokens", "total_tokens"};
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ResponsesMcpTools mcpTools;
  private final Map<String, String> labels;
  private final JsonNode clientTools;
  private final String responseId;
  private final long createdAt = System.currentTimeMillis() / 1000;
  private final List<McpItems.Answered> answered;
  private List<Toolbox.Tool> listed = List.of();

  /**
   * @param mcpTools the request's mcp tools ({@link ResponsesMcpTools})
   * @param clientTools the request's {@code tools} as the client sent them, echoed in the answer
   * @param responseId the id of the answer (one id for the whole run, streamed from its start)
   * @param answered the approval requests the client answered in this request, still to act on
   */
  public ResponsesDialect(ResponsesMcpTools mcpTools, JsonNode clientTools, String responseId,
      List<McpItems.Answered> answered) {
    this.mcpTools = mcpTools;
    this.labels = mcpTools.labels();
    this.clientTools = clientTools.deepCopy();
    this.responseId = responseId;
    this.answered = List.copyOf(answered);
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

  @Override
  public boolean held(ToolUse use, Toolbox.Tool tool) {
    return mcpTools.clientApproves(tool);
  }

  @Override
  public List<Decided> decided() {
    List<Decided> out = new ArrayList<>();
    for (McpItems.Answered a : answered) {
      out.add(new Decided(new ToolUse(a.requestId(), a.name(), arguments(TextNode.valueOf(a.arguments()))),
          new ClientApproval(a.requestId(), a.approve(), a.reason())));
    }
    return out;
  }

  @Override
  public ObjectNode resumed(ObjectNode request, List<ToolStep> results) {
    ObjectNode out = request.deepCopy();
    ArrayNode input = inputItems(request);
    for (ToolStep r : results) {
      input.add(McpItems.call(r.id(), r.name(), argumentsText(r)));
      input.add(McpItems.output(r.id(), r.output()));
    }
    out.set("input", input);
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
    ArrayNode input = inputItems(request);
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
      input.add(McpItems.output(r.id(), r.output()));
    }
    out.set("input", input);
    return out;
  }

  private static ArrayNode inputItems(ObjectNode request) {
    ArrayNode input = F.arrayNode();
    JsonNode given = request.path("input");
    if (given.isTextual()) {
      input.addObject().put("role", "user").put("content", given.textValue());
    } else if (given.isArray()) {
      input.addAll(((ArrayNode) given).deepCopy());
    }
    return input;
  }

  @Override
  public ObjectNode answer(List<ObjectNode> responses, List<ToolStep> steps, Set<String> gatewayTools) {
    ObjectNode out = responses.get(responses.size() - 1).deepCopy();
    out.put("id", responseId).put("created_at", createdAt);
    ArrayNode output = F.arrayNode();
    listings().forEach(output::add);
    Set<String> made = new HashSet<>();
    for (ToolStep s : steps) {
      output.add(call(s));
      made.add(s.id());
    }
    for (JsonNode item : out.path("output")) {
      boolean ours = FUNCTION_CALL.equals(item.path("type").asText()) && gatewayTools.contains(item.path("name").asText());
      if (!ours) {
        output.add(item);
      } else if (!made.contains(item.path("call_id").asText())) { // held for the client's approval
        output.add(approvalRequest(item));
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

  /** One {@code mcp_list_tools} item per server label, in the order the request named them. */
  List<ObjectNode> listings() {
    List<ObjectNode> out = new ArrayList<>();
    String suffix = suffix(responseId);
    int n = 0;
    for (String server : labels.keySet()) {
      out.add(listTools(server, "mcpl_" + suffix + "_" + n++));
    }
    return out;
  }

  private ObjectNode approvalRequest(JsonNode functionCall) {
    String name = functionCall.path("name").asText();
    Toolbox.Tool tool = listed.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    byte[] b = new byte[24];
    RANDOM.nextBytes(b);
    return F.objectNode().put("id", "mcpr_" + HexFormat.of().formatHex(b)).put("type", "mcp_approval_request")
        .put("server_label", tool == null ? "" : labels.getOrDefault(tool.server(), tool.server())).put("name", name)
        .put("arguments", functionCall.path("arguments").asText("{}"));
  }

  private static String suffix(String id) {
    return id.replaceFirst("^resp_", "");
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

  /** The {@code mcp_call} item of a call while it runs (no output yet). */
  ObjectNode running(ToolUse use, Toolbox.Tool tool) {
    ObjectNode item = F.objectNode().put("id", callItemId(use.id())).put("type", "mcp_call")
        .put("server_label", tool == null ? "" : labels.getOrDefault(tool.server(), tool.server()))
        .put("name", use.name()).put("arguments", "");
    approvalOf(item, use.id());
    item.putNull("output");
    item.putNull("error");
    item.put("status", "in_progress");
    return item;
  }

  /** The {@code mcp_call} item of a call made. */
  ObjectNode call(ToolStep s) {
    ObjectNode item = F.objectNode().put("id", callItemId(s.id())).put("type", "mcp_call")
        .put("server_label", labels.getOrDefault(s.server(), s.server())).put("name", s.name())
        .put("arguments", argumentsText(s));
    approvalOf(item, s.id());
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

  /** A call's item id: {@code mcp_} and the model's call id, or the approval request's id without its prefix. */
  private String callItemId(String callId) {
    return "mcp_" + (isAnswered(callId) ? callId.substring("mcpr_".length()) : callId);
  }

  private void approvalOf(ObjectNode item, String callId) {
    if (isAnswered(callId)) {
      item.put("approval_request_id", callId);
    } else {
      item.putNull("approval_request_id");
    }
  }

  private boolean isAnswered(String callId) {
    return answered.stream().anyMatch(a -> a.requestId().equals(callId));
  }

  private static String argumentsText(ToolStep s) {
    return s.arguments().isTextual() ? s.arguments().textValue() : s.arguments().toString();
  }

  @Override
  public Buffer stream(ObjectNode answer, ObjectNode request) {
    Buffer out = Buffer.buffer();
    live(answer, out::appendBuffer).finish(answer);
    return out;
  }

  @Override
  public LiveStream live(ObjectNode request, Consumer<Buffer> out) {
    return new ResponsesLoopStream(this, shell(request), out);
  }

  /** The response as it stands when the stream starts: nothing in its output yet. */
  private ObjectNode shell(ObjectNode request) {
    ObjectNode shell = F.objectNode().put("id", responseId).put("object", "response")
        .put("created_at", createdAt)
        .put("status", "in_progress");
    shell.putNull("error");
    shell.putNull("incomplete_details");
    shell.set("instructions", request.path("instructions").isTextual() ? request.get("instructions") : F.nullNode());
    shell.set("model", request.path("model").isTextual() ? request.get("model") : F.nullNode());
    shell.putArray("output");
    shell.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
    shell.set("previous_response_id", request.path("previous_response_id").isTextual()
        ? request.get("previous_response_id") : F.nullNode());
    shell.set("tools", clientTools);
    shell.putNull("usage");
    return shell;
  }
}
