package dev.portcullis.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Where the guard looks in MCP messages: every string value of tool and prompt arguments (any
 * depth), and every string value of a result (tool content blocks and structured content, resource
 * contents, prompt messages), except protocol fields that carry no user data. The {@code text} of
 * the items of one array (a result's content blocks, a resource's contents) is guarded as one
 * text, so that a value split across items is found.
 */
public final class McpContentGuard {
  /** Result fields that are protocol, not content. */
  private static final Set<String> SKIP = Set.of("_meta", "resultType", "requestState", "inputRequests", "type",
      "mimeType", "blob", "isError", "nextCursor", "cacheScope", "ttlMs");

  private static final String TEXT = "text";

  private McpContentGuard() {}

  /** Rewrites every string value of arguments (keys excepted); true when anything changed. */
  public static boolean arguments(JsonNode node, UnaryOperator<String> f) {
    return everyString(node, f, Set.of());
  }

  /**
   * Rewrites every string value at any depth (keys excepted) except under fields named in
   * {@code skip}, at any depth; true when anything changed. Any JSON the guard reads this way
   * (tool arguments here, Responses items on the model path) shares this one walk.
   */
  public static boolean everyString(JsonNode node, UnaryOperator<String> f, Set<String> skip) {
    return rewrite(node, f, null, skip);
  }

  /** Rewrites every string value of a result (keys excepted, protocol fields skipped); true when anything changed. */
  public static boolean result(JsonNode node, UnaryOperator<String> f, UnaryOperator<List<String>> parts) {
    return rewrite(node, f, parts, SKIP);
  }

  private static boolean rewrite(JsonNode node, UnaryOperator<String> f, UnaryOperator<List<String>> parts,
      Set<String> skip) {
    boolean changed = false;
    if (node instanceof ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        if (skip.contains(n)) {
          continue;
        }
        JsonNode v = o.get(n);
        if (v.isTextual()) {
          String after = f.apply(v.textValue());
          if (!after.equals(v.textValue())) {
            o.set(n, TextNode.valueOf(after));
            changed = true;
          }
        } else if (v.isContainerNode()) {
          changed |= rewrite(v, f, parts, skip);
        }
      }
    } else if (node instanceof ArrayNode a) {
      Set<String> skipInItems = skip;
      if (parts != null && texts(a) > 1) {
        changed |= joinedTexts(a, parts);
        skipInItems = new java.util.HashSet<>(skip);
        skipInItems.add(TEXT);
      }
      for (int i = 0; i < a.size(); i++) {
        JsonNode v = a.get(i);
        if (v.isTextual()) {
          String after = f.apply(v.textValue());
          if (!after.equals(v.textValue())) {
            a.set(i, TextNode.valueOf(after));
            changed = true;
          }
        } else if (v.isContainerNode()) {
          changed |= rewrite(v, f, parts, v.path(TEXT).isTextual() ? skipInItems : skip);
        }
      }
    }
    return changed;
  }

  private static int texts(ArrayNode a) {
    int n = 0;
    for (JsonNode v : a) {
      if (v instanceof ObjectNode && v.path(TEXT).isTextual()) {
        n++;
      }
    }
    return n;
  }

  private static boolean joinedTexts(ArrayNode a, UnaryOperator<List<String>> parts) {
    List<ObjectNode> holders = new ArrayList<>();
    List<String> before = new ArrayList<>();
    for (JsonNode v : a) {
      if (v instanceof ObjectNode o && o.path(TEXT).isTextual()) {
        holders.add(o);
        before.add(o.get(TEXT).textValue());
      }
    }
    List<String> after = parts.apply(before);
    boolean changed = false;
    for (int i = 0; i < holders.size(); i++) {
      if (!after.get(i).equals(before.get(i))) {
        holders.get(i).set(TEXT, TextNode.valueOf(after.get(i)));
        changed = true;
      }
    }
    return changed;
  }
}
