package dev.portcullis.llm.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.portcullis.guard.Guard;
import dev.portcullis.guard.GuardBlockedException;
import dev.portcullis.guard.GuardContext;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.guard.McpContentGuard;
import dev.portcullis.llm.ClientFormat;
import dev.portcullis.llm.Endpoint;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.ResponseFilter;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The guard on the LLM surface: finds the free text in a request of either client format (the
 * list is in docs/guardrails.md: OpenAI messages, parts, names, refusals, tool-call arguments,
 * {@code user}, {@code metadata}, {@code prediction}, tool and schema descriptions; Anthropic
 * system prompt, blocks, tool input and results, tool descriptions, {@code metadata.user_id};
 * Responses API instructions, input items, tool and schema descriptions, {@code metadata};
 * embeddings input),
 * passes it through the call's {@link GuardSession}, and gives back the rewritten request and
 * a {@link ResponseFilter} that restores and scans the answer, streams included. When no rule
 * applies to the call it returns the request untouched and no filter.
 */
public final class LlmGuard {
  private final Guard guard;
  private final ObjectMapper json;

  public LlmGuard(Guard guard, ObjectMapper json) {
    this.guard = guard;
    this.json = json;
  }

  /** The outcome for one request: the request to send, the filter (or null), the session (or null). */
  public record Guarded(LlmRequest request, ResponseFilter filter, GuardSession session) {}

  /**
   * Applies the guard to a request.
   *
   * @throws GuardBlockedException when a block rule matched (nothing is sent)
   */
  public Guarded apply(LlmRequest request, String keyId, String persona) {
    GuardSession session = guard.session(GuardContext.llm(request.endpoint().name().toLowerCase(java.util.Locale.ROOT),
        request.model(), keyId, persona));
    if (session == null) {
      return new Guarded(request, null, null);
    }
    LlmRequest out = request;
    if (session.scansRequests()) {
      ObjectNode copy = request.body().deepCopy();
      boolean changed = rewriteRequest(copy, request.format(), request.endpoint(), session::request,
          session::requestParts);
      if (changed) {
        try {
          out = request.translated(request.endpoint(), request.format(), copy, Buffer.buffer(json.writeValueAsBytes(copy)));
        } catch (IOException e) {
          throw new IllegalStateException("cannot serialise a parsed request", e);
        }
      }
    }
    ResponseFilter filter = !session.touchesResponses() ? null : switch (request.format()) {
      case ANTHROPIC -> new AnthropicGuardFilter(json, session);
      case RESPONSES -> new ResponsesGuardFilter(json, session);
      case OPENAI -> new OpenAiGuardFilter(json, session);
    };
    return new Guarded(out, filter, session);
  }

  /**
   * Rewrites every free text the model (or the provider) will read; true when anything changed.
   * The text parts of one message are guarded as one text ({@link GuardSession#requestParts}).
   */
  static boolean rewriteRequest(ObjectNode body, ClientFormat format, Endpoint endpoint, UnaryOperator<String> f,
      UnaryOperator<List<String>> parts) {
    Changes c = new Changes(f, parts);
    if (endpoint == Endpoint.EMBEDDINGS) {
      c.field(body, "input");
      JsonNode input = body.get("input");
      if (input instanceof ArrayNode a) {
        c.array(a);
      }
      c.field(body, "user");
      return c.changed;
    }
    if (format == ClientFormat.RESPONSES) {
      responsesRequest(body, c);
      return c.changed;
    }
    if (format == ClientFormat.ANTHROPIC) {
      JsonNode system = body.get("system");
      if (system != null && system.isTextual()) {
        c.field(body, "system");
      } else if (system instanceof ArrayNode blocks) {
        anthropicBlocks(blocks, c);
      }
      for (JsonNode m : body.path("messages")) {
        if (m instanceof ObjectNode msg) {
          JsonNode content = msg.get("content");
          if (content != null && content.isTextual()) {
            c.field(msg, "content");
          } else if (content instanceof ArrayNode blocks) {
            anthropicBlocks(blocks, c);
          }
        }
      }
      for (JsonNode t : body.path("tools")) {
        if (t instanceof ObjectNode tool) {
          c.field(tool, "description");
          c.descriptions(tool.get("input_schema"));
        }
      }
      if (body.get("metadata") instanceof ObjectNode meta) {
        c.field(meta, "user_id");
      }
      return c.changed;
    }
    for (JsonNode m : body.path("messages")) {
      if (!(m instanceof ObjectNode msg)) {
        continue;
      }
      JsonNode content = msg.get("content");
      if (content != null && content.isTextual()) {
        c.field(msg, "content");
      } else if (content instanceof ArrayNode contentParts) {
        c.textParts(contentParts);
      }
      c.field(msg, "name");
      c.field(msg, "refusal");
      for (JsonNode call : msg.path("tool_calls")) {
        if (call.get("function") instanceof ObjectNode fn) {
          c.field(fn, "arguments");
        }
      }
      if (msg.get("function_call") instanceof ObjectNode fc) {
        c.field(fc, "arguments");
      }
    }
    c.field(body, "prompt");
    c.field(body, "user");
    c.field(body, "safety_identifier");
    if (body.get("metadata") instanceof ObjectNode meta) {
      c.values(meta);
    }
    if (body.get("prediction") instanceof ObjectNode prediction) {
      JsonNode content = prediction.get("content");
      if (content instanceof ArrayNode predicted) {
        c.textParts(predicted);
      } else {
        c.field(prediction, "content");
      }
    }
    for (JsonNode t : body.path("tools")) {
      if (t.get("function") instanceof ObjectNode fn) {
        c.field(fn, "description");
        c.descriptions(fn.get("parameters"));
      }
    }
    if (body.path("response_format").get("json_schema") instanceof ObjectNode schema) {
      c.field(schema, "description");
      c.descriptions(schema.get("schema"));
    }
    return c.changed;
  }

  /**
   * A Responses API request: instructions, the input (a string, or items: message text parts,
   * function call arguments and outputs, reasoning summaries), tool and schema descriptions,
   * {@code user}, {@code metadata}.
   */
  private static void responsesRequest(ObjectNode body, Changes c) {
    c.field(body, "instructions");
    c.field(body, "input");
    for (JsonNode i : body.path("input")) {
      if (i instanceof ObjectNode item) {
        responsesItem(item, c);
      }
    }
    c.field(body, "user");
    c.field(body, "safety_identifier");
    if (body.get("metadata") instanceof ObjectNode meta) {
      c.values(meta);
    }
    if (body.get("prompt") instanceof ObjectNode prompt && prompt.get("variables") instanceof ObjectNode vars) {
      c.deepExcept(vars, PROTOCOL_FIELDS); // a stored prompt's variables: strings or input_text parts
    }
    for (JsonNode t : body.path("tools")) {
      if (t instanceof ObjectNode tool) {
        c.field(tool, "description");
        c.descriptions(tool.get("parameters"));
      }
    }
    if (body.path("text").get("format") instanceof ObjectNode format) {
      c.field(format, "description");
      c.descriptions(format.get("schema"));
    }
  }

  /**
   * The fields of a Responses item (at any depth) that are never free text: ids, types, states,
   * tool names (they route the call), and opaque or binary payloads (encrypted reasoning, base64
   * images and files, which detectors would only misread).
   */
  static final Set<String> PROTOCOL_FIELDS = Set.of("type", "id", "call_id", "status", "role", "name",
      "server_label", "approval_request_id", "container_id", "file_id", "encrypted_content", "image_url",
      "file_data", "result", "mime_type", "detail");
  /** The fields {@link #responsesItem} reads itself: a message's parts are guarded as one text. */
  private static final Set<String> ITEM_TEXT_FIELDS = Set.of("content", "arguments", "input", "output", "summary");
  /** The fields of an output part {@link Changes#textParts} reads already. */
  private static final Set<String> OUTPUT_PART_SKIP = union(PROTOCOL_FIELDS, Set.of("text", "refusal"));
  private static final Set<String> ITEM_SKIP = union(PROTOCOL_FIELDS, ITEM_TEXT_FIELDS);

  /**
   * The free text of one Responses item, in a request or an answer: message text parts, tool-call
   * arguments and outputs, reasoning summaries and text, and every other string of the item
   * (hosted and local tool calls: code, shell commands, search queries, patches, MCP errors and
   * tool lists, approval reasons), so that an item type no field list names is scanned too.
   */
  static void responsesItem(ObjectNode item, Changes c) {
    JsonNode content = item.get("content");
    if (content != null && content.isTextual()) {
      c.field(item, "content");
    } else if (content instanceof ArrayNode parts) {
      c.textParts(parts);
    }
    c.field(item, "arguments");
    c.field(item, "input"); // custom tool calls
    JsonNode output = item.get("output");
    if (output != null && output.isTextual()) {
      c.field(item, "output");
    } else if (output instanceof ArrayNode parts) {
      c.textParts(parts);
    }
    if (item.get("summary") instanceof ArrayNode summary) {
      c.textParts(summary);
    }
    if (output instanceof ArrayNode outputs) { // shell outputs: stdout and stderr objects
      for (JsonNode o : outputs) {
        if (o instanceof ObjectNode part) {
          c.deepExcept(part, OUTPUT_PART_SKIP);
        }
      }
    } else if (output instanceof ObjectNode o) {
      c.deepExcept(o, PROTOCOL_FIELDS);
    }
    c.deepExcept(item, ITEM_SKIP);
  }

  /**
   * The conversation a kept response holds, from the input as it went upstream: what the guard
   * redacted, masked or hashed stays so (the store must not keep what the provider was not
   * allowed to see), and the caller's own pseudonymised values are put back so that continuing
   * the response ({@code previous_response_id}) reads as the caller wrote it.
   *
   * @param session the call's guard session, or null when no rule applied
   */
  public static ArrayNode keptInput(ArrayNode forwardedItems, GuardSession session) {
    ArrayNode items = forwardedItems.deepCopy();
    if (session == null) {
      return items;
    }
    ObjectNode holder = JsonNodeFactory.instance.objectNode();
    holder.set("input", items);
    responsesRequest(holder, new Changes(session::restore, parts -> parts.stream().map(session::restore).toList()));
    return items;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new HashSet<>(a);
    u.addAll(b);
    return Set.copyOf(u);
  }

  private static void anthropicBlocks(ArrayNode blocks, Changes c) {
    c.textParts(blocks);
    for (JsonNode b : blocks) {
      if (!(b instanceof ObjectNode block)) {
        continue;
      }
      String type = block.path("type").asText("");
      switch (type) {
        case "tool_use" -> {
          if (block.get("input") != null) {
            c.deep(block, "input");
          }
        }
        case "tool_result" -> {
          JsonNode content = block.get("content");
          if (content != null && content.isTextual()) {
            c.field(block, "content");
          } else if (content instanceof ArrayNode inner) {
            anthropicBlocks(inner, c);
          }
        }
        default -> { }
      }
    }
  }

  /** Rewrites the text of a non-streaming response in the client's format; true when anything changed. */
  static boolean rewriteResponse(ObjectNode body, ClientFormat format, UnaryOperator<String> f,
      UnaryOperator<List<String>> parts) {
    Changes c = new Changes(f, parts);
    if (format == ClientFormat.RESPONSES) {
      for (JsonNode i : body.path("output")) {
        if (i instanceof ObjectNode item) {
          responsesItem(item, c);
        }
      }
      return c.changed;
    }
    if (format == ClientFormat.ANTHROPIC) {
      JsonNode content = body.get("content");
      if (content instanceof ArrayNode blocks) {
        c.textParts(blocks);
      }
      for (JsonNode b : body.path("content")) {
        if (b instanceof ObjectNode block && "tool_use".equals(block.path("type").asText())
            && block.get("input") != null) {
          c.deep(block, "input");
        }
      }
      return c.changed;
    }
    for (JsonNode choice : body.path("choices")) {
      if (choice.get("message") instanceof ObjectNode msg) {
        c.field(msg, "content");
        c.field(msg, "refusal");
        for (JsonNode call : msg.path("tool_calls")) {
          if (call.get("function") instanceof ObjectNode fn) {
            c.field(fn, "arguments");
          }
        }
      }
      if (choice instanceof ObjectNode ch) {
        c.field(ch, "text"); // legacy completions
      }
    }
    return c.changed;
  }

  /** Applies a text function to chosen string fields, remembering whether anything changed. */
  static final class Changes {
    final UnaryOperator<String> f;
    final UnaryOperator<List<String>> parts;
    boolean changed;

    Changes(UnaryOperator<String> f, UnaryOperator<List<String>> parts) {
      this.f = f;
      this.parts = parts;
    }

    /**
     * The {@code text} of the parts (OpenAI content parts, Anthropic text blocks) of one message,
     * guarded as one text; refusal parts one by one.
     */
    void textParts(ArrayNode items) {
      List<ObjectNode> holders = new ArrayList<>();
      for (JsonNode p : items) {
        if (p instanceof ObjectNode part) {
          if (part.path("text").isTextual()) {
            holders.add(part);
          }
          field(part, "refusal");
        }
      }
      if (holders.isEmpty()) {
        return;
      }
      List<String> before = new ArrayList<>(holders.size());
      for (ObjectNode h : holders) {
        before.add(h.get("text").textValue());
      }
      List<String> after = parts.apply(before);
      for (int i = 0; i < holders.size(); i++) {
        if (!after.get(i).equals(before.get(i))) {
          holders.get(i).set("text", TextNode.valueOf(after.get(i)));
          changed = true;
        }
      }
    }

    /** Every string value of an object (metadata), one level deep. */
    void values(ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        field(o, n);
      }
    }

    /** Every {@code description} in a JSON schema, at any depth (tool parameters, response formats). */
    void descriptions(JsonNode schema) {
      if (schema instanceof ObjectNode o) {
        field(o, "description");
        for (JsonNode child : o) {
          if (child.isContainerNode()) {
            descriptions(child);
          }
        }
      } else if (schema instanceof ArrayNode a) {
        for (JsonNode child : a) {
          descriptions(child);
        }
      }
    }

    void field(ObjectNode o, String name) {
      JsonNode v = o.get(name);
      if (v != null && v.isTextual()) {
        String before = v.textValue();
        String after = f.apply(before);
        if (!after.equals(before)) {
          o.set(name, TextNode.valueOf(after));
          changed = true;
        }
      }
    }

    void array(ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        JsonNode v = a.get(i);
        if (v.isTextual()) {
          String after = f.apply(v.textValue());
          if (!after.equals(v.textValue())) {
            a.set(i, TextNode.valueOf(after));
            changed = true;
          }
        }
      }
    }

    /** Every string value at any depth under the fields of {@code o} not named in {@code skip} (at any depth). */
    void deepExcept(ObjectNode o, Set<String> skip) {
      changed |= McpContentGuard.everyString(o, f, skip);
    }

    /** Every string value (not key) under o[name], at any depth. */
    void deep(ObjectNode o, String name) {
      JsonNode v = o.get(name);
      if (v != null && v.isTextual()) {
        field(o, name);
      } else if (v != null && v.isContainerNode()) {
        changed |= McpContentGuard.everyString(v, f, Set.of());
      }
    }
  }
}
