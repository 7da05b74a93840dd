package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A tool loop's Responses answer streamed as the Responses API streams it, while the run goes:
 * created and in progress at once; each {@code mcp_list_tools} item when the tools are listed;
 * each {@code mcp_call} when it starts (arguments) and when it ends (completed or failed); then,
 * when the model has answered, the items not shown yet ({@code mcp_approval_request}s, the
 * message text, the client's {@code function_call}s) and completed. The model's own text comes
 * whole at the end: every step is asked as a whole answer. One instance per stream: it numbers
 * the events and the output items.
 */
final class ResponsesLoopStream implements LiveStream {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final ResponsesDialect dialect;
  private final ObjectNode shell;
  private final Consumer<Buffer> out;
  private final Set<String> shown = new HashSet<>();
  private int sequence;
  private int index;
  private int running = -1;

  ResponsesLoopStream(ResponsesDialect dialect, ObjectNode shell, Consumer<Buffer> out) {
    this.dialect = dialect;
    this.shell = shell;
    this.out = out;
  }

  /** The stream's first events, before the first thing to show. */
  private void start() {
    if (sequence == 0) {
      emit(F.objectNode().put("type", "response.created").set("response", shell));
      emit(F.objectNode().put("type", "response.in_progress").set("response", shell));
    }
  }

  @Override
  public void toolsListed(List<Toolbox.Tool> tools) {
    start();
    for (ObjectNode listing : dialect.listings()) {
      item(index++, listing);
    }
  }

  @Override
  public void toolStarted(ToolUse use, Toolbox.Tool tool) {
    start();
    ObjectNode item = dialect.running(use, tool);
    String id = item.path("id").asText();
    String args = use.arguments().isTextual() ? use.arguments().textValue() : use.arguments().toString();
    running = index++;
    shown.add(id);
    emit(at(F.objectNode().put("type", "response.output_item.added"), running).set("item", item));
    emit(at(of("response.mcp_call.in_progress", id), running));
    emit(at(of("response.mcp_call_arguments.delta", id), running).put("delta", args));
    emit(at(of("response.mcp_call_arguments.done", id), running).put("arguments", args));
  }

  @Override
  public void toolDone(ToolStep step) {
    ObjectNode item = dialect.call(step);
    String id = item.path("id").asText();
    emit(at(of("response.mcp_call." + (step.isError() ? "failed" : "completed"), id), running));
    emit(at(F.objectNode().put("type", "response.output_item.done"), running).set("item", item));
  }

  @Override
  public void finish(ObjectNode answer) {
    start();
    ArrayNode output = (ArrayNode) answer.path("output");
    for (JsonNode item : output) {
      if (!shown.contains(item.path("id").asText())) {
        item(index++, (ObjectNode) item);
      }
    }
    emit(F.objectNode().put("type", "response.completed").set("response", answer));
  }

  @Override
  public void failed(String type, String code, String message) {
    start();
    ObjectNode response = shell.deepCopy().put("status", "failed");
    response.putObject("error").put("code", code).put("message", message);
    emit(F.objectNode().put("type", "response.failed").set("response", response));
  }

  /** A whole item's events: added, its own events, done. */
  private void item(int at, ObjectNode item) {
    String id = item.path("id").asText();
    String type = item.path("type").asText();
    shown.add(id);
    ObjectNode added = item.deepCopy();
    switch (type) {
      case "mcp_list_tools" -> added.putArray("tools");
      case "mcp_call" -> {
        added.put("status", "in_progress").put("arguments", "").putNull("output");
        added.putNull("error");
      }
      case "message" -> added.put("status", "in_progress").putArray("content");
      case "function_call" -> added.put("status", "in_progress").put("arguments", "");
      default -> { }
    }
    emit(at(F.objectNode().put("type", "response.output_item.added"), at).set("item", added));
    switch (type) {
      case "mcp_list_tools" -> {
        emit(at(of("response.mcp_list_tools.in_progress", id), at));
        emit(at(of("response.mcp_list_tools.completed", id), at));
      }
      case "mcp_call" -> {
        String args = item.path("arguments").asText();
        emit(at(of("response.mcp_call.in_progress", id), at));
        emit(at(of("response.mcp_call_arguments.delta", id), at).put("delta", args));
        emit(at(of("response.mcp_call_arguments.done", id), at).put("arguments", args));
        emit(at(of("response.mcp_call." + ("failed".equals(item.path("status").asText()) ? "failed" : "completed"),
            id), at));
      }
      case "message" -> message(at, item);
      case "function_call" -> {
        String args = item.path("arguments").asText();
        emit(at(of("response.function_call_arguments.delta", id), at).put("delta", args));
        emit(at(of("response.function_call_arguments.done", id), at).put("arguments", args));
      }
      default -> { }
    }
    emit(at(F.objectNode().put("type", "response.output_item.done"), at).set("item", item));
  }

  private void message(int index, ObjectNode item) {
    String id = item.path("id").asText();
    JsonNode content = item.path("content");
    for (int c = 0; c < content.size(); c++) {
      JsonNode part = content.get(c);
      ObjectNode empty = part.deepCopy();
      if (part.has("text")) {
        empty.put("text", "");
      }
      emit(at(of("response.content_part.added", id), index).put("content_index", c).set("part", empty));
      if ("output_text".equals(part.path("type").asText())) {
        String text = part.path("text").asText();
        emit(at(of("response.output_text.delta", id), index).put("content_index", c).put("delta", text)
            .set("logprobs", F.arrayNode()));
        emit(at(of("response.output_text.done", id), index).put("content_index", c).put("text", text)
            .set("logprobs", F.arrayNode()));
      }
      emit(at(of("response.content_part.done", id), index).put("content_index", c).set("part", part));
    }
  }

  private static ObjectNode of(String type, String itemId) {
    return F.objectNode().put("type", type).put("item_id", itemId);
  }

  private static ObjectNode at(ObjectNode event, int index) {
    return event.put("output_index", index);
  }

  private void emit(JsonNode event) {
    ObjectNode e = (ObjectNode) event;
    e.put("sequence_number", sequence++);
    out.accept(Buffer.buffer("event: " + e.path("type").asText() + "\ndata: " + e + "\n\n"));
  }
}
