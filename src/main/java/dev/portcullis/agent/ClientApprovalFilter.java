package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Which tools of one Responses API {@code mcp} tool the client wants to approve before the gateway
 * runs them ({@code require_approval}): {@code "always"} (OpenAI's default), {@code "never"}, or
 * {@code {"always": {...}, "never": {...}}} filters by {@code tool_names} and {@code read_only}.
 * A tool neither filter names needs approval, as on OpenAI; one both name needs it too.
 */
record ClientApprovalFilter(Filter always, Filter never) {
  static final ClientApprovalFilter ALWAYS = new ClientApprovalFilter(Filter.ALL, null);
  static final ClientApprovalFilter NEVER = new ClientApprovalFilter(null, Filter.ALL);

  /**
   * Tools one side of the setting names.
   *
   * @param toolNames gateway names ({@code demo__echo}) or the server's own ({@code echo}); null: any
   * @param readOnly tools with (true) or without (false) the {@code readOnlyHint} annotation; null: any
   */
  record Filter(Set<String> toolNames, Boolean readOnly) {
    static final Filter ALL = new Filter(null, null);

    boolean matches(Toolbox.Tool tool) {
      if (toolNames != null && !toolNames.contains(tool.name()) && !toolNames.contains(tool.ownName())) {
        return false;
      }
      return readOnly == null
          || readOnly == tool.definition().path("annotations").path("readOnlyHint").asBoolean(false);
    }
  }

  /** Whether the client approves calls of this tool itself. */
  boolean required(Toolbox.Tool tool) {
    if (always != null && always.matches(tool)) {
      return true;
    }
    return never == null || !never.matches(tool);
  }

  /** Reads {@code require_approval} (absent or null: always). */
  static ClientApprovalFilter parse(JsonNode n, String where) {
    if (n == null || n.isNull()) {
      return ALWAYS;
    }
    if (n.isTextual()) {
      return switch (n.textValue()) {
        case "always" -> ALWAYS;
        case "never" -> NEVER;
        default -> throw invalid("'" + where + "' must be \"always\", \"never\" or {\"always\": {...}, \"never\": {...}}");
      };
    }
    if (!n.isObject() || n.isEmpty()) {
      throw invalid("'" + where + "' must be \"always\", \"never\" or {\"always\": {...}, \"never\": {...}}");
    }
    n.fieldNames().forEachRemaining(f -> {
      if (!f.equals("always") && !f.equals("never")) {
        throw invalid("'" + where + "." + f + "' is not a known field (known: always, never)");
      }
    });
    return new ClientApprovalFilter(filter(n.get("always"), where + ".always"),
        filter(n.get("never"), where + ".never"));
  }

  private static Filter filter(JsonNode n, String where) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject() || n.isEmpty()) {
      throw invalid("'" + where + "' must be an object with tool_names and/or read_only");
    }
    Set<String> names = null;
    Boolean readOnly = null;
    var fields = n.fields();
    while (fields.hasNext()) {
      var f = fields.next();
      switch (f.getKey()) {
        case "tool_names" -> {
          if (!f.getValue().isArray()) {
            throw invalid("'" + where + ".tool_names' must be an array of tool names");
          }
          names = new LinkedHashSet<>();
          for (JsonNode t : f.getValue()) {
            if (!t.isTextual()) {
              throw invalid("'" + where + ".tool_names' must be an array of tool names");
            }
            names.add(t.textValue());
          }
          names = Set.copyOf(names);
        }
        case "read_only" -> {
          if (!f.getValue().isBoolean()) {
            throw invalid("'" + where + ".read_only' must be a boolean");
          }
          readOnly = f.getValue().booleanValue();
        }
        default -> throw invalid("'" + where + "." + f.getKey() + "' is not a known field (known: tool_names, read_only)");
      }
    }
    return new Filter(names, readOnly);
  }

  private static LoopError invalid(String message) {
    return new LoopError(LoopError.Kind.INVALID_REQUEST, message);
  }
}
