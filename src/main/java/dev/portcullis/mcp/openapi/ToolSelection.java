package dev.portcullis.mcp.openapi;

import dev.portcullis.config.OpenApiConfig.FilterConfig;
import dev.portcullis.config.OpenApiConfig.ToolOverride;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Chooses which operations become tools and what they are called: {@code include} keeps only the
 * operations matching it (each criterion given must match), {@code exclude} then drops those
 * matching any of its criteria; {@code tools} renames and re-describes, keyed by operationId or
 * by the derived tool name.
 */
public final class ToolSelection {
  private ToolSelection() {}

  public static List<OperationTool> apply(List<OperationTool> all, FilterConfig include, FilterConfig exclude,
      Map<String, ToolOverride> overrides) {
    List<OperationTool> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (OperationTool t : all) {
      if (include != null && !include.isEmpty() && !matchesAll(t, include)) {
        continue;
      }
      if (exclude != null && !exclude.isEmpty() && matchesAny(t, exclude)) {
        continue;
      }
      ToolOverride o = overrides == null ? null
          : overrides.getOrDefault(t.operationId() == null ? t.name() : t.operationId(), overrides.get(t.name()));
      OperationTool chosen = o == null ? t : t.renamed(o.name(), o.description());
      if (!names.add(chosen.name())) {
        throw new IllegalArgumentException("two tools would be called '" + chosen.name() + "'; rename one under tools:");
      }
      out.add(chosen);
    }
    return out;
  }

  static boolean matchesAll(OperationTool t, FilterConfig f) {
    return (f.tags().isEmpty() || tag(t, f)) && (f.paths().isEmpty() || path(t, f))
        && (f.methods().isEmpty() || method(t, f)) && (f.operations().isEmpty() || operation(t, f));
  }

  static boolean matchesAny(OperationTool t, FilterConfig f) {
    return !f.tags().isEmpty() && tag(t, f) || !f.paths().isEmpty() && path(t, f)
        || !f.methods().isEmpty() && method(t, f) || !f.operations().isEmpty() && operation(t, f);
  }

  private static boolean tag(OperationTool t, FilterConfig f) {
    return t.tags().stream().anyMatch(f.tags()::contains);
  }

  private static boolean path(OperationTool t, FilterConfig f) {
    return f.paths().stream().anyMatch(g -> glob(g).matcher(t.path()).matches());
  }

  private static boolean method(OperationTool t, FilterConfig f) {
    return f.methods().stream().anyMatch(m -> m.toUpperCase(Locale.ROOT).equals(t.method()));
  }

  private static boolean operation(OperationTool t, FilterConfig f) {
    String id = t.operationId() == null ? t.name() : t.operationId();
    return f.operations().stream().anyMatch(g -> glob(g).matcher(id).matches());
  }

  /** {@code *} any run of characters (slashes included), {@code ?} one character. */
  static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      if (c == '*') {
        re.append(".*");
      } else if (c == '?') {
        re.append('.');
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
