package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.SseEventSplitter;
import dev.portcullis.llm.StreamTranslator;
import dev.portcullis.llm.UpstreamJson;
import dev.portcullis.llm.Usage;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns the chat chunks an inner translator produces into the Responses API's events, in
 * OpenAI's order: response.created, response.in_progress; per output item output_item.added,
 * its parts and deltas, their done events and output_item.done; then response.completed (or
 * response.incomplete when the answer was cut at max_output_tokens). Reasoning and text are one
 * item at a time; tool calls stay open until the end, as chat streams may interleave them.
 */
final class ChatToResponsesStream implements StreamTranslator {
  private final StreamTranslator inner;
  private final UpstreamJson upstreamJson;
  private final JsonNode request;
  private final String model;
  private final SseEventSplitter splitter = new SseEventSplitter();
  private final ResponseEvents events = new ResponseEvents();
  private final List<Open> items = new ArrayList<>();
  private final Map<Integer, Open> toolByIndex = new HashMap<>();
  private ObjectNode response;
  /** The reasoning or message item open now, or null. */
  private Open current;
  private String finishReason;
  private boolean done;
  private StreamError error;

  ChatToResponsesStream(StreamTranslator inner, ObjectMapper json, JsonNode request, String model) {
    this.inner = inner;
    this.upstreamJson = new UpstreamJson(json);
    this.request = request;
    this.model = model;
  }

  /** One output item being streamed: its place, its id, and the text or arguments so far. */
  private static final class Open {
    final String kind;
    final int outputIndex;
    final String id;
    final StringBuilder text = new StringBuilder();
    /** A function call's call id and name. */
    String callId;
    String name;
    boolean closed;

    Open(String kind, int outputIndex, String id) {
      this.kind = kind;
      this.outputIndex = outputIndex;
      this.id = id;
    }
  }

  @Override
  public void onData(Buffer upstream, Consumer<Buffer> out) {
    inner.onData(upstream, chunk -> splitter.feed(chunk, event -> onChunk(event, out)));
  }

  @Override
  public void onEnd(Consumer<Buffer> out) {
    inner.onEnd(chunk -> splitter.feed(chunk, event -> onChunk(event, out)));
    Buffer rest = splitter.remainder();
    if (rest != null) {
      onChunk(rest, out);
    }
    if (!done && inner.completed() && error == null) {
      finish(out);
    }
  }

  private void onChunk(Buffer event, Consumer<Buffer> out) {
    String data = SseEventSplitter.data(event);
    if (data == null || done || error != null) {
      return;
    }
    if (data.equals("[DONE]")) {
      finish(out);
      return;
    }
    JsonNode chunk = upstreamJson.object(data, "a chat completion chunk");
    if (chunk.has("error")) {
      JsonNode e = chunk.get("error");
      error = new StreamError(e.path("code").asText("api_error"), e.path("message").asText("upstream error"), true);
      return;
    }
    start(chunk, out);
    for (JsonNode choice : chunk.path("choices")) {
      if (choice.path("index").asInt(0) != 0) {
        continue;
      }
      JsonNode delta = choice.path("delta");
      String reasoning = delta.path("reasoning_content").asText("");
      if (!reasoning.isEmpty()) {
        reasoningDelta(reasoning, out);
      }
      String text = delta.path("content").asText("");
      if (!text.isEmpty()) {
        textDelta("message", text, out);
      }
      String refusal = delta.path("refusal").asText("");
      if (!refusal.isEmpty()) {
        textDelta("refusal", refusal, out);
      }
      for (JsonNode call : delta.path("tool_calls")) {
        toolDelta(call, out);
      }
      if (choice.path("finish_reason").isTextual()) {
        finishReason = choice.get("finish_reason").textValue();
      }
    }
  }

  private void start(JsonNode chunk, Consumer<Buffer> out) {
    if (response != null) {
      return;
    }
    long created = chunk.path("created").asLong(System.currentTimeMillis() / 1000);
    response = ResponseShell.of(request, ResponseItems.newId("resp"), created, model, "in_progress");
    out.accept(events.response("response.created", response));
    out.accept(events.response("response.in_progress", response));
  }

  private void reasoningDelta(String text, Consumer<Buffer> out) {
    if (current == null || !current.kind.equals("reasoning")) {
      closeCurrent(out);
      current = open("reasoning", ResponseItems.newId("rs"));
      out.accept(added(current, ChatToResponse.reasoningItem(current.id, null)));
      ObjectNode e = itemEvent("response.reasoning_summary_part.added", current);
      e.put("summary_index", 0).putObject("part").put("type", "summary_text").put("text", "");
      out.accept(events.sse(e));
    }
    current.text.append(text);
    ObjectNode e = itemEvent("response.reasoning_summary_text.delta", current);
    e.put("summary_index", 0).put("delta", text);
    out.accept(events.sse(e));
  }

  private void textDelta(String kind, String text, Consumer<Buffer> out) {
    if (current == null || !current.kind.equals(kind)) {
      closeCurrent(out);
      current = open(kind, ResponseItems.newId("msg"));
      out.accept(added(current, ChatToResponse.messageItem(current.id, "in_progress")));
      ObjectNode e = itemEvent("response.content_part.added", current);
      e.put("content_index", 0).set("part", part(kind, ""));
      out.accept(events.sse(e));
    }
    current.text.append(text);
    ObjectNode e = itemEvent(kind.equals("message") ? "response.output_text.delta" : "response.refusal.delta",
        current);
    e.put("content_index", 0).put("delta", text);
    if (kind.equals("message")) {
      e.putArray("logprobs");
    }
    out.accept(events.sse(e));
  }

  private void toolDelta(JsonNode call, Consumer<Buffer> out) {
    int index = call.path("index").asInt(0);
    Open tool = toolByIndex.get(index);
    JsonNode fn = call.path("function");
    if (tool == null) {
      closeCurrent(out);
      tool = open("function_call", ResponseItems.newId("fc"));
      tool.callId = call.path("id").asText(ResponseItems.newId("call"));
      tool.name = fn.path("name").asText("");
      toolByIndex.put(index, tool);
      out.accept(added(tool, ChatToResponse.functionCall(tool.id, tool.callId, tool.name, "", "in_progress")));
    }
    String args = fn.path("arguments").asText("");
    if (!args.isEmpty()) {
      tool.text.append(args);
      ObjectNode e = itemEvent("response.function_call_arguments.delta", tool);
      e.put("delta", args);
      out.accept(events.sse(e));
    }
  }

  private Open open(String kind, String id) {
    Open o = new Open(kind, items.size(), id);
    items.add(o);
    return o;
  }

  private Buffer added(Open o, ObjectNode item) {
    ObjectNode e = events.event("response.output_item.added");
    e.put("output_index", o.outputIndex).set("item", item);
    return events.sse(e);
  }

  private ObjectNode itemEvent(String type, Open o) {
    ObjectNode e = events.event(type);
    e.put("item_id", o.id).put("output_index", o.outputIndex);
    return e;
  }

  private static ObjectNode part(String kind, String text) {
    return kind.equals("message") ? ChatToResponse.textPart(text)
        : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("type", "refusal")
            .put("refusal", text);
  }

  private void closeCurrent(Consumer<Buffer> out) {
    if (current != null) {
      close(current, out);
      current = null;
    }
  }

  /** Ends an item: its done events, and the finished item in the response's output. */
  private void close(Open o, Consumer<Buffer> out) {
    if (o.closed) {
      return;
    }
    o.closed = true;
    String text = o.text.toString();
    ObjectNode item;
    switch (o.kind) {
      case "reasoning" -> {
        ObjectNode e = itemEvent("response.reasoning_summary_text.done", o);
        e.put("summary_index", 0).put("text", text);
        out.accept(events.sse(e));
        e = itemEvent("response.reasoning_summary_part.done", o);
        e.put("summary_index", 0).putObject("part").put("type", "summary_text").put("text", text);
        out.accept(events.sse(e));
        item = ChatToResponse.reasoningItem(o.id, text);
      }
      case "function_call" -> {
        ObjectNode e = itemEvent("response.function_call_arguments.done", o);
        e.put("arguments", text).put("name", o.name);
        out.accept(events.sse(e));
        item = ChatToResponse.functionCall(o.id, o.callId, o.name, text, "completed");
      }
      default -> {
        boolean message = o.kind.equals("message");
        ObjectNode e = itemEvent(message ? "response.output_text.done" : "response.refusal.done", o);
        e.put("content_index", 0);
        if (message) {
          e.put("text", text).putArray("logprobs");
        } else {
          e.put("refusal", text);
        }
        out.accept(events.sse(e));
        e = itemEvent("response.content_part.done", o);
        e.put("content_index", 0).set("part", part(o.kind, text));
        out.accept(events.sse(e));
        item = ChatToResponse.messageItem(o.id, "completed");
        ((ArrayNode) item.get("content")).add(part(o.kind, text));
      }
    }
    ObjectNode e = events.event("response.output_item.done");
    e.put("output_index", o.outputIndex).set("item", item);
    out.accept(events.sse(e));
    ArrayNode output = (ArrayNode) response.get("output");
    while (output.size() <= o.outputIndex) {
      output.addNull();
    }
    output.set(o.outputIndex, item);
  }

  private void finish(Consumer<Buffer> out) {
    if (response == null) {
      start(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), out);
    }
    for (Open o : items) {
      close(o, out);
    }
    current = null;
    String incomplete = ResponseShell.incompleteReason(finishReason);
    if (incomplete != null) {
      response.put("status", "incomplete");
      response.putObject("incomplete_details").put("reason", incomplete);
    } else {
      response.put("status", "completed");
    }
    response.set("usage", ResponseShell.usage(inner.usage()));
    out.accept(events.response(incomplete != null ? "response.incomplete" : "response.completed", response));
    done = true;
  }

  @Override
  public Usage usage() {
    return inner.usage();
  }

  @Override
  public boolean completed() {
    return done;
  }

  @Override
  public StreamError upstreamError() {
    return error != null ? error : inner.upstreamError();
  }
}
