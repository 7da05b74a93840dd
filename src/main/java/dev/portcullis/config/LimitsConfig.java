package dev.portcullis.config;

import java.util.List;

/**
 * Limits beyond keys, teams and personas: per user and per tool. Counted in memory from
 * start-up (a change needs a restart).
 *
 * @param users limits each user (the subject of an OAuth/JWT access token) has on its own,
 *     across model calls and tool calls (null: none)
 * @param tools rate limits on MCP requests by method and item-name glob; every rule that matches
 *     a request applies, each counted across all callers
 */
public record LimitsConfig(RateLimits users, List<ToolLimit> tools) {
  public LimitsConfig {
    tools = tools == null ? List.of() : List.copyOf(tools);
  }

  public static LimitsConfig none() {
    return new LimitsConfig(null, null);
  }

  /** Whether any limit is set. */
  public boolean any() {
    return users != null && users.any() || !tools.isEmpty();
  }

  /**
   * @param rpm requests (model calls and MCP tool calls) per minute
   * @param tpm model tokens per minute
   * @param maxParallel requests in flight at once
   */
  public record RateLimits(Integer rpm, Long tpm, Integer maxParallel) {
    public boolean any() {
      return rpm != null || tpm != null || maxParallel != null;
    }
  }

  /**
   * One per-tool rule.
   *
   * @param match a glob (* any run, ? one character) over the name the client uses: the namespaced
   *     tool or prompt name ({@code crm__delete*}), or the resource URI
   * @param method the MCP method it limits: tools/call (the default), resources/read or prompts/get
   * @param rpm requests per minute, across all callers
   * @param maxParallel requests in flight at once, across all callers
   */
  public record ToolLimit(String match, String method, Integer rpm, Integer maxParallel) {
    public static final String DEFAULT_METHOD = "tools/call";

    public ToolLimit {
      method = method == null ? DEFAULT_METHOD : method;
    }
  }
}
