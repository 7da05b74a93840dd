package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.portcullis.llm.wire.openai.OpenAiChunkWriter;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * OpenAI Chat Completions in a tool loop. Gateway tools are offered as {@code function} tools;
 * the answer is the model's last completion with {@code usage} added up over every step and the
 * calls the gateway made in a top-level {@code portcullis.mcp_calls} array (clients and SDKs keep
 * unknown top-level fields). Streamed, the answer is one {@code chat.completion.chunk} stream;
 * its second chunk (empty {@code choices}) carries {@code portcullis.mcp_calls}.
 */
public final class ChatDialect implements Dialect {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] USAGE = {"prompt_tokens", "completion_tokens", "total_tokens"};

  @Override
  public ObjectNode offer(ObjectNode request, List<Toolbox.Tool> tools) {
    ObjectNode out = request.deepCopy();
    JsonNode own = out.get("tools");
    ArrayNode all = own instanceof ArrayNode a ? a : out.putArray("tools");
    for (JsonNode t : all) {
      String name = t.path("function").path("name").asText(null);
      if (name != null && tools.stream().anyMatch(g -> g.name().equals(name))) {
        throw new LoopError(LoopError.Kind.INVALID_REQUEST, "The request's own tool '" + name
            + "' has the name of an MCP tool the gateway offers: rename it or leave it out of allowed_tools");
      }
    }
    for (Toolbox.Tool t : tools) {
      ObjectNode fn = all.addObject().put("type", "function").putObject("function").put("name", t.name());
      if (!t.description().isEmpty()) {
        fn.put("description", t.description());
      }
      fn.set("parameters", t.inputSchema());
    }
    return out;
  }

  @Override
  public List<ToolUse> toolUses(ObjectNode response) {
    List<ToolUse> out = new ArrayList<>();
    for (JsonNode c : message(response).path("tool_calls")) {
      JsonNode fn = c.path("function");
      out.add(new ToolUse(c.path("id").asText(), fn.path("name").asText(), arguments(fn.path("arguments"))));
    }
    return out;
  }

  /** The model's arguments text as JSON; a text that is not JSON stays text (the call is refused). */
  private static JsonNode arguments(JsonNode text) {
    if (!text.isTextual()) {
      return text.isMissingNode() || text.isNull() ? F.objectNode() : text;
    }
    String s = text.textValue();
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
    ArrayNode messages = (ArrayNode) out.get("messages");
    ObjectNode turn = message(response).deepCopy();
    turn.remove(List.of("refusal", "annotations", "audio"));
    messages.add(turn);
    for (ToolStep r : results) {
      messages.addObject().put("role", "tool").put("tool_call_id", r.id()).put("content", r.output());
    }
    return out;
  }

  @Override
  public ObjectNode answer(List<ObjectNode> responses, List<ToolStep> steps, Set<String> gatewayTools) {
    ObjectNode out = responses.get(responses.size() - 1).deepCopy();
    JsonNode calls = message(out).get("tool_calls");
    if (calls instanceof ArrayNode a) {
      for (int i = a.size() - 1; i >= 0; i--) {
        if (gatewayTools.contains(a.get(i).path("function").path("name").asText())) {
          a.remove(i);
        }
      }
    }
    ObjectNode usage = F.objectNode();
    for (String field : USAGE) {
      long sum = 0;
      for (ObjectNode r : responses) {
        sum += r.path("usage").path(field).asLong(0);
      }
      usage.put(field, sum);
    }
    out.set("usage", usage);
    out.set("portcullis", trace(steps, responses.size()));
    return out;
  }

  /** {@code {"iterations": N, "mcp_calls": [...]}}: what the gateway did, in order. */
  static ObjectNode trace(List<ToolStep> steps, int iterations) {
    ObjectNode t = F.objectNode().put("iterations", iterations);
    ArrayNode calls = t.putArray("mcp_calls");
    for (ToolStep s : steps) {
      ObjectNode c = calls.addObject().put("id", s.id()).put("name", s.name()).put("server", s.server());
      c.set("arguments", s.arguments());
      c.put("output", s.output()).put("is_error", s.isError());
      if (s.errorCode() != null) {
        c.put("error_code", s.errorCode());
      }
    }
    return t;
  }

  @Override
  public Buffer stream(ObjectNode answer, ObjectNode request) {
    OpenAiChunkWriter w = new OpenAiChunkWriter(answer.path("id").asText(), answer.path("model").asText(),
        answer.path("created").asLong());
    Buffer out = Buffer.buffer();
    out.appendBuffer(w.role());
    ObjectNode trace = F.objectNode().put("id", answer.path("id").asText()).put("object", "chat.completion.chunk")
        .put("created", answer.path("created").asLong()).put("model", answer.path("model").asText());
    trace.putArray("choices");
    trace.set("portcullis", answer.get("portcullis"));
    out.appendString("data: ").appendString(trace.toString()).appendString("\n\n");
    JsonNode message = message(answer);
    String content = message.path("content").asText("");
    if (!content.isEmpty()) {
      out.appendBuffer(w.content(content));
    }
    int index = 0;
    for (JsonNode c : message.path("tool_calls")) {
      out.appendBuffer(w.toolCallStart(index, c.path("id").asText(), c.path("function").path("name").asText()));
      out.appendBuffer(w.toolCallArguments(index, c.path("function").path("arguments").asText("")));
      index++;
    }
    String finish = answer.path("choices").path(0).path("finish_reason").asText("stop");
    out.appendBuffer(w.finish(index == 0 && "tool_calls".equals(finish) ? "stop" : finish));
    if (request.path("stream_options").path("include_usage").asBoolean(false)) {
      ObjectNode usage = trace.deepCopy();
      usage.remove("portcullis");
      usage.set("usage", answer.get("usage"));
      out.appendString("data: ").appendString(usage.toString()).appendString("\n\n");
    }
    return out.appendBuffer(w.done());
  }

  private static JsonNode message(JsonNode response) {
    return response.path("choices").path(0).path("message");
  }
}
