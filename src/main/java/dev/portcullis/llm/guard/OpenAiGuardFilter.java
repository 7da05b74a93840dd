package dev.portcullis.llm.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.guard.GuardStream;
import dev.portcullis.llm.ClientFormat;
import dev.portcullis.llm.SseEventSplitter;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Restores and scans an OpenAI chat completion for the client, plain or streamed. In a stream,
 * each choice's content, its refusal and each tool call's arguments are a channel: deltas go through the
 * channel's guard stream, and what it held back is sent in an extra chunk just before the
 * choice's finish chunk (or before {@code [DONE]}).
 */
final class OpenAiGuardFilter extends GuardFilterBase {
  /** The text fields of a delta, each a channel of its own. */
  private static final List<String> TEXT_FIELDS = List.of("content", "refusal");
  /** The last chunk seen, whose id, created and model the extra chunks copy. */
  private ObjectNode template;

  OpenAiGuardFilter(ObjectMapper json, GuardSession session) {
    super(json, session, ClientFormat.OPENAI);
  }

  @Override
  public void event(Buffer event, Consumer<Buffer> out) {
    String data = SseEventSplitter.data(event);
    if (data == null) {
      out.accept(event);
      return;
    }
    if (data.equals("[DONE]")) {
      flushAll(out);
      out.accept(event);
      return;
    }
    JsonNode tree;
    try {
      tree = json.readTree(data);
    } catch (IOException e) {
      out.accept(event);
      return;
    }
    if (!(tree instanceof ObjectNode chunk) || !(chunk.get("choices") instanceof ArrayNode choices)) {
      out.accept(event);
      return;
    }
    template = chunk;
    boolean changed = false;
    List<Integer> finishing = new ArrayList<>();
    for (JsonNode c : choices) {
      int index = c.path("index").asInt(0);
      if (c.get("delta") instanceof ObjectNode delta) {
        for (String field : TEXT_FIELDS) {
          JsonNode text = delta.get(field);
          if (text != null && text.isTextual()) {
            String sent = stream(index + "/" + field).push(text.textValue());
            if (!sent.equals(text.textValue())) {
              delta.set(field, TextNode.valueOf(sent));
              changed = true;
            }
          }
        }
        for (JsonNode call : delta.path("tool_calls")) {
          if (call.get("function") instanceof ObjectNode fn && fn.get("arguments") != null
              && fn.get("arguments").isTextual()) {
            String args = fn.get("arguments").textValue();
            String sent = stream(index + "/tool/" + call.path("index").asInt(0)).push(args);
            if (!sent.equals(args)) {
              fn.set("arguments", TextNode.valueOf(sent));
              changed = true;
            }
          }
        }
      }
      JsonNode finish = c.get("finish_reason");
      if (finish != null && !finish.isNull()) {
        finishing.add(index);
      }
    }
    for (int index : finishing) {
      flushChoice(index, out);
    }
    if (!changed) {
      out.accept(event);
      return;
    }
    try {
      out.accept(sse(null, json.writeValueAsString(chunk)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void end(Consumer<Buffer> out) {
    flushAll(out);
  }

  private void flushAll(Consumer<Buffer> out) {
    List<Integer> choices = new ArrayList<>();
    for (String channel : streams.keySet()) {
      int index = Integer.parseInt(channel.substring(0, channel.indexOf('/')));
      if (!choices.contains(index)) {
        choices.add(index);
      }
    }
    for (int index : choices) {
      flushChoice(index, out);
    }
  }

  /** Sends what the choice's channels still hold, as one extra chunk, and forgets the channels. */
  private void flushChoice(int index, Consumer<Buffer> out) {
    String prefix = index + "/";
    ObjectNode delta = json.createObjectNode();
    ArrayNode calls = null;
    var it = streams.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, GuardStream> e = it.next();
      if (!e.getKey().startsWith(prefix)) {
        continue;
      }
      String rest = e.getValue().finish();
      it.remove();
      if (rest.isEmpty()) {
        continue;
      }
      String channel = e.getKey().substring(prefix.length());
      if (TEXT_FIELDS.contains(channel)) {
        delta.put(channel, rest);
      } else {
        if (calls == null) {
          calls = delta.putArray("tool_calls");
        }
        int call = Integer.parseInt(channel.substring("tool/".length()));
        calls.addObject().put("index", call).putObject("function").put("arguments", rest);
      }
    }
    if (delta.isEmpty() || template == null) {
      return;
    }
    ObjectNode chunk = json.createObjectNode();
    for (String f : new String[] {"id", "object", "created", "model", "system_fingerprint"}) {
      if (template.has(f)) {
        chunk.set(f, template.get(f));
      }
    }
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("index", index);
    choice.set("delta", delta);
    choice.putNull("finish_reason");
    try {
      out.accept(sse(null, json.writeValueAsString(chunk)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
