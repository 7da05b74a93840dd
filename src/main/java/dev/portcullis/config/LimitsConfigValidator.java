package dev.portcullis.config;

import java.util.List;
import java.util.Set;

/** Checks the {@code limits:} section (per-user and per-tool limits); each problem is "field: why". */
final class LimitsConfigValidator {
  static final Set<String> METHODS = Set.of("tools/call", "resources/read", "prompts/get");

  private LimitsConfigValidator() {}

  static void validate(LimitsConfig c, List<String> problems) {
    LimitsConfig.RateLimits u = c.users();
    if (u != null) {
      positive("limits.users.rpm", u.rpm(), problems);
      positive("limits.users.tpm", u.tpm(), problems);
      positive("limits.users.max_parallel", u.maxParallel(), problems);
      if (!u.any()) {
        problems.add("limits.users: set rpm, tpm and/or max_parallel (or leave the section out)");
      }
    }
    for (int i = 0; i < c.tools().size(); i++) {
      String f = "limits.tools[" + i + "]";
      LimitsConfig.ToolLimit t = c.tools().get(i);
      if (t == null) {
        problems.add(f + ": must be a mapping with match and rpm and/or max_parallel");
        continue;
      }
      if (t.match() == null || t.match().isBlank()) {
        problems.add(f + ".match: required, a glob over tool names such as 'crm__delete*'");
      }
      if (!METHODS.contains(t.method())) {
        problems.add(f + ".method: must be one of tools/call, resources/read, prompts/get, got '" + t.method() + "'");
      }
      positive(f + ".rpm", t.rpm(), problems);
      positive(f + ".max_parallel", t.maxParallel(), problems);
      if (t.rpm() == null && t.maxParallel() == null) {
        problems.add(f + ": set rpm and/or max_parallel");
      }
    }
  }

  private static void positive(String f, Number n, List<String> problems) {
    if (n != null && n.longValue() <= 0) {
      problems.add(f + ": must be positive, got " + n);
    }
  }
}
