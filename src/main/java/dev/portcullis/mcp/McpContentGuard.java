package dev.portcullis.mcp;

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
 * contents, prompt messages), except protocol fields that carry no user data.
 */
final class McpContentGuard {
  /** Result fields that are protocol, not content. */
  private static final Set<String> SKIP = Set.of("_meta", "resultType", "requestState", "inputRequests", "type",
      "mimeType", "blob", "isError", "nextCursor", "cacheScope", "ttlMs");

  private McpContentGuard() {}

  /** Rewrites every string value of arguments (keys excepted); true when anything changed. */
  static boolean arguments(JsonNode node, UnaryOperator<String> f) {
    return rewrite(node, f, Set.of());
  }

  /** Rewrites every string value of a result (keys excepted, protocol fields skipped); true when anything changed. */
  static boolean result(JsonNode node, UnaryOperator<String> f) {
    return rewrite(node, f, SKIP);
  }

  private static boolean rewrite(JsonNode node, UnaryOperator<String> f, Set<String> skip) {
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
          changed |= rewrite(v, f, skip);
        }
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        JsonNode v = a.get(i);
        if (v.isTextual()) {
          String after = f.apply(v.textValue());
          if (!after.equals(v.textValue())) {
            a.set(i, TextNode.valueOf(after));
            changed = true;
          }
        } else if (v.isContainerNode()) {
          changed |= rewrite(v, f, skip);
        }
      }
    }
    return changed;
  }
}
