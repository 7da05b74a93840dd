package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Anthropic Messages in a tool loop. Gateway tools are offered as client tools
 * ({@code name}, {@code description}, {@code input_schema}); the answer is the model's last
 * message whose content starts with the calls the gateway made, as the {@code mcp_tool_use} and
 * {@code mcp_tool_result} blocks of Anthropic's MCP connector, with {@code usage} added up over
 * every step. Streamed, those blocks come first, each whole in its {@code content_block_start}.
 */
public final class MessagesDialect implements Dialect {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String[] USAGE = {"input_tokens", "output_tokens"};

  @Override
  public ObjectNode offer(ObjectNode request, List<Toolbox.Tool> tools) {
    ObjectNode out = request.deepCopy();
    JsonNode own = out.get("tools");
    ArrayNode all = own instanceof ArrayNode a ? a : out.putArray("tools");
    for (JsonNode t : all) {
      String name = t.path("name").asText(null);
      if (name != null && tools.stream().anyMatch(g -> g.name().equals(name))) {
        throw new LoopError(LoopError.Kind.INVALID_REQUEST, "tools: the request's own tool '" + name
            + "' has the name of an MCP tool the gateway offers; rename it or leave it out of allowed_tools");
      }
    }
    for (Toolbox.Tool t : tools) {
      ObjectNode tool = all.addObject().put("name", t.name());
      if (!t.description().isEmpty()) {
        tool.put("description", t.description());
      }
      tool.set("input_schema", t.inputSchema());
    }
    return out;
  }

  @Override
  public List<ToolUse> toolUses(ObjectNode response) {
    List<ToolUse> out = new ArrayList<>();
    for (JsonNode b : response.path("content")) {
      if ("tool_use".equals(b.path("type").asText())) {
        JsonNode input = b.get("input");
        out.add(new ToolUse(b.path("id").asText(), b.path("name").asText(), input == null ? F.objectNode() : input));
      }
    }
    return out;
  }

  @Override
  public ObjectNode next(ObjectNode request, ObjectNode response, List<ToolStep> results) {
    ObjectNode out = request.deepCopy();
    ArrayNode messages = (ArrayNode) out.get("messages");
    ObjectNode turn = messages.addObject().put("role", "assistant");
    turn.set("content", response.path("content").deepCopy());
    ArrayNode answers = messages.addObject().put("role", "user").putArray("content");
    for (ToolStep r : results) {
      ObjectNode block = answers.addObject().put("type", "tool_result").put("tool_use_id", r.id());
      block.putArray("content").addObject().put("type", "text").put("text", r.output());
      if (r.isError()) {
        block.put("is_error", true);
      }
    }
    return out;
  }

  @Override
  public ObjectNode answer(List<ObjectNode> responses, List<ToolStep> steps, Set<String> gatewayTools) {
    ObjectNode out = responses.get(responses.size() - 1).deepCopy();
    ArrayNode content = F.arrayNode();
    for (ToolStep s : steps) {
      ObjectNode use = content.addObject().put("type", "mcp_tool_use").put("id", s.id()).put("name", s.name())
          .put("server_name", s.server());
      use.set("input", s.arguments());
      ObjectNode result = content.addObject().put("type", "mcp_tool_result").put("tool_use_id", s.id())
          .put("is_error", s.isError());
      result.putArray("content").addObject().put("type", "text").put("text", s.output());
    }
    for (JsonNode b : out.path("content")) {
      if (!("tool_use".equals(b.path("type").asText()) && gatewayTools.contains(b.path("name").asText()))) {
        content.add(b);
      }
    }
    out.set("content", content);
    ObjectNode usage = out.path("usage") instanceof ObjectNode u ? u : out.putObject("usage");
    for (String field : USAGE) {
      long sum = 0;
      for (ObjectNode r : responses) {
        sum += r.path("usage").path(field).asLong(0);
      }
      usage.put(field, sum);
    }
    return out;
  }

  @Override
  public Buffer stream(ObjectNode answer, ObjectNode request) {
    Buffer out = Buffer.buffer();
    ObjectNode start = F.objectNode().put("type", "message_start");
    ObjectNode message = start.putObject("message");
    answer.fields().forEachRemaining(f -> {
      if (!f.getKey().equals("content") && !f.getKey().equals("stop_reason") && !f.getKey().equals("usage")) {
        message.set(f.getKey(), f.getValue());
      }
    });
    message.putArray("content");
    message.putNull("stop_reason");
    message.putObject("usage").put("input_tokens", answer.path("usage").path("input_tokens").asLong(0))
        .put("output_tokens", 0);
    event(out, "message_start", start);
    int index = 0;
    for (JsonNode block : answer.path("content")) {
      String type = block.path("type").asText();
      ObjectNode begin = F.objectNode().put("type", "content_block_start").put("index", index);
      if ("text".equals(type)) {
        begin.putObject("content_block").put("type", "text").put("text", "");
        event(out, "content_block_start", begin);
        delta(out, index, F.objectNode().put("type", "text_delta").put("text", block.path("text").asText()));
      } else if ("tool_use".equals(type)) {
        ObjectNode b = begin.putObject("content_block").put("type", "tool_use").put("id", block.path("id").asText())
            .put("name", block.path("name").asText());
        b.putObject("input");
        event(out, "content_block_start", begin);
        delta(out, index, F.objectNode().put("type", "input_json_delta")
            .put("partial_json", block.path("input").toString()));
      } else { // mcp_tool_use, mcp_tool_result, thinking...: the whole block at once
        begin.set("content_block", block);
        event(out, "content_block_start", begin);
      }
      event(out, "content_block_stop", F.objectNode().put("type", "content_block_stop").put("index", index));
      index++;
    }
    ObjectNode end = F.objectNode().put("type", "message_delta");
    end.putObject("delta").put("stop_reason", answer.path("stop_reason").asText("end_turn"))
        .set("stop_sequence", answer.path("stop_sequence").isMissingNode() ? F.nullNode()
            : answer.get("stop_sequence"));
    end.putObject("usage").put("output_tokens", answer.path("usage").path("output_tokens").asLong(0));
    event(out, "message_delta", end);
    event(out, "message_stop", F.objectNode().put("type", "message_stop"));
    return out;
  }

  private static void delta(Buffer out, int index, ObjectNode delta) {
    ObjectNode e = F.objectNode().put("type", "content_block_delta").put("index", index);
    e.set("delta", delta);
    event(out, "content_block_delta", e);
  }

  private static void event(Buffer out, String name, ObjectNode data) {
    out.appendString("event: ").appendString(name).appendString("\ndata: ").appendString(data.toString())
        .appendString("\n\n");
  }
}
