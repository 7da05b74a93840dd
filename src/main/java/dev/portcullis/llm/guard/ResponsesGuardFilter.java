package dev.portcullis.llm.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.guard.GuardStream;
import dev.portcullis.llm.ClientFormat;
import dev.portcullis.llm.SseEventSplitter;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Restores and scans a Responses API answer for the client, plain or streamed. In a stream each
 * text of an item (a content part's text or refusal, a function call's arguments, a reasoning
 * summary or reasoning text part, an MCP call's arguments, a code interpreter's code, and any other
 * {@code .delta} event's text) is a channel: its deltas go through the channel's guard stream, what
 * the stream held back goes out as one more delta just before the channel's done event, and every
 * event that repeats the whole text (the done events, content_part.done, output_item.done and the
 * final response) carries exactly what the client was sent. Every other string of a whole item
 * (tool outputs, commands, queries, errors) is guarded as one. Sequence numbers are set after this filter.
 */
final class ResponsesGuardFilter extends GuardFilterBase {
  /** Delta event types and the field their done event carries the whole text in. */
  private static final Map<String, String> TEXT_EVENTS = Map.of(
      "response.output_text", "text",
      "response.refusal", "refusal",
      "response.function_call_arguments", "arguments",
      "response.reasoning_summary_text", "text",
      "response.reasoning_text", "text",
      "response.custom_tool_call_input", "input",
      "response.mcp_call_arguments", "arguments",
      "response.code_interpreter_call_code", "code");
  /** Delta events whose delta is base64 data, not text. */
  private static final Set<String> BINARY_DELTAS = Set.of("response.audio");
  /** The fields of a whole item that are channels (or a message's parts): every other string is guarded as one. */
  private static final Set<String> CHANNEL_FIELDS = Set.of("content", "arguments", "input", "code", "summary");
  private static final Set<String> OTHER_SKIP = with(LlmGuard.PROTOCOL_FIELDS, CHANNEL_FIELDS);
  /** What the done event of an unknown text type holds besides its text (and what is guarded on its own). */
  private static final Set<String> EVENT_SKIP = with(LlmGuard.PROTOCOL_FIELDS,
      Set.of("item_id", "part", "item", "response", "logprobs"));

  private static Set<String> with(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  /** What each channel has sent the client so far. */
  private final Map<String, StringBuilder> sent = new HashMap<>();

  ResponsesGuardFilter(ObjectMapper json, GuardSession session) {
    super(json, session, ClientFormat.RESPONSES);
  }

  @Override
  public void event(Buffer event, Consumer<Buffer> out) {
    String data = SseEventSplitter.data(event);
    ObjectNode e = data == null ? null : parse(data);
    if (e == null) {
      out.accept(event);
      return;
    }
    String type = e.path("type").asText("");
    int dot = type.lastIndexOf('.');
    String base = dot < 0 ? type : type.substring(0, dot);
    String field = TEXT_EVENTS.get(base);
    if (field != null && type.endsWith(".delta")) {
      String text = stream(channel(e, field)).push(e.path("delta").asText(""));
      if (text.isEmpty()) {
        return; // held back: it goes out later
      }
      sent.computeIfAbsent(channel(e, field), k -> new StringBuilder()).append(text);
      e.put("delta", text);
      out.accept(write(type, e));
      return;
    }
    if (field != null && type.endsWith(".done")) {
      String key = channel(e, field);
      GuardStream s = streams.remove(key);
      String rest = s != null ? s.finish() : finish(e.path(field).asText(""));
      if (!rest.isEmpty()) {
        ObjectNode delta = e.deepCopy();
        delta.remove(field);
        delta.put("type", base + ".delta").put("delta", rest);
        if (base.equals("response.output_text")) {
          delta.putArray("logprobs");
        }
        out.accept(write(base + ".delta", delta));
      }
      sent.computeIfAbsent(key, k -> new StringBuilder()).append(rest);
      e.put(field, sent.get(key).toString());
      out.accept(write(type, e));
      return;
    }
    if (field == null && type.endsWith(".delta") && e.path("delta").isTextual() && !BINARY_DELTAS.contains(base)) {
      // a text event this filter has no name for (a newer API's): guarded as a channel all the same
      String text = stream(otherChannel(base, e)).push(e.get("delta").textValue());
      if (text.isEmpty()) {
        return;
      }
      e.put("delta", text);
      out.accept(write(type, e));
      return;
    }
    if (field == null && type.endsWith(".done")) {
      GuardStream s = streams.remove(otherChannel(base, e));
      String rest = s == null ? "" : s.finish();
      if (!rest.isEmpty()) {
        ObjectNode delta = e.deepCopy();
        delta.retain("item_id", "output_index", "content_index", "summary_index");
        out.accept(write(base + ".delta", delta.put("type", base + ".delta").put("delta", rest)));
      }
      otherText().deepExcept(e, EVENT_SKIP); // the whole text it repeats, in a field not known here
    }
    if (e.get("part") instanceof ObjectNode part && e.has("item_id")) {
      part(e.path("item_id").asText(), "" + e.path("content_index").asInt(0), part);
    }
    if (e.get("item") instanceof ObjectNode item) {
      item(item);
    }
    if (e.get("response") instanceof ObjectNode response) {
      for (JsonNode item : response.path("output")) {
        if (item instanceof ObjectNode o) {
          item(o);
        }
      }
    }
    out.accept(write(type, e));
  }

  @Override
  public void end(Consumer<Buffer> out) {
    // every channel ends with its done event; a stream cut short sends nothing more
  }

  /** A whole text that streamed no deltas, guarded as one. */
  private String finish(String text) {
    GuardStream s = session.stream();
    return s.push(text) + s.finish();
  }

  /** Puts the sent texts into a whole item (one that streamed none is guarded as a whole). */
  private void item(ObjectNode item) {
    String id = item.path("id").asText("");
    JsonNode content = item.get("content");
    if (content instanceof ArrayNode parts) {
      for (int i = 0; i < parts.size(); i++) {
        if (parts.get(i) instanceof ObjectNode p) {
          part(id, "" + i, p);
        }
      }
    }
    replace(item, "arguments", id + "/arguments");
    replace(item, "input", id + "/input");
    replace(item, "code", id + "/code");
    if (item.get("summary") instanceof ArrayNode summary) {
      for (int i = 0; i < summary.size(); i++) {
        if (summary.get(i) instanceof ObjectNode p) {
          replace(p, "text", id + "/text/" + i);
        }
      }
    }
    // what never streams as deltas (tool outputs, commands, queries, errors): each string guarded whole
    otherText().deepExcept(item, OTHER_SKIP);
  }

  private LlmGuard.Changes otherText() {
    return new LlmGuard.Changes(this::finish, parts -> parts.stream().map(this::finish).toList());
  }

  /** The channel of a text event of a type not in {@link #TEXT_EVENTS}. */
  private static String otherChannel(String base, JsonNode e) {
    return base + "/" + e.path("item_id").asText("") + "/" + e.path("content_index").asInt(0) + "/"
        + e.path("summary_index").asInt(0);
  }

  private void part(String itemId, String index, ObjectNode part) {
    replace(part, "text", itemId + "/text/" + index);
    replace(part, "refusal", itemId + "/refusal/" + index);
  }

  private void replace(ObjectNode o, String field, String key) {
    JsonNode v = o.get(field);
    if (v == null || !v.isTextual()) {
      return;
    }
    StringBuilder s = sent.get(key);
    o.put(field, s != null ? s.toString() : v.textValue().isEmpty() ? "" : finish(v.textValue()));
  }

  /** The channel of a delta or done event: its item, its field, and its part or summary index. */
  private static String channel(JsonNode e, String field) {
    String item = e.path("item_id").asText("");
    if (e.has("summary_index")) {
      return item + "/" + field + "/" + e.path("summary_index").asInt(0);
    }
    if (e.has("content_index")) {
      return item + "/" + field + "/" + e.path("content_index").asInt(0);
    }
    return item + "/" + field;
  }

  private Buffer write(String type, ObjectNode e) {
    try {
      return sse(type, json.writeValueAsString(e));
    } catch (IOException x) {
      throw new IllegalStateException(x);
    }
  }

  private ObjectNode parse(String data) {
    try {
      JsonNode tree = json.readTree(data);
      return tree instanceof ObjectNode o ? o : null;
    } catch (IOException e) {
      return null;
    }
  }
}
