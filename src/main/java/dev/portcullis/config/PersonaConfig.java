package dev.portcullis.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.List;
import java.util.Map;

/**
 * A named, least-privilege role for an agent. Everything is denied unless granted here: a
 * persona with no {@code models} may call no model, with no {@code tools} sees no tool.
 *
 * @param models model globs it may call
 * @param tools MCP tool grants (by server, name glob, annotations)
 * @param resources MCP resource grants (globs over URIs)
 * @param prompts MCP prompt grants
 * @param users subjects (or emails, preferred_username) that may act through it
 * @param groups IdP groups whose members may act through it
 * @param keys principal ids of gateway keys (virtual key ids, config-key-N) that may use it
 * @param limits rate limits and budget shared by everyone acting through it (null: none)
 */
public record PersonaConfig(String description, List<String> models, List<Grant> tools, List<Grant> resources,
    List<Grant> prompts, List<String> users, List<String> groups, List<String> keys, Limits limits) {

  /** A persona without limits. */
  public PersonaConfig(String description, List<String> models, List<Grant> tools, List<Grant> resources,
      List<Grant> prompts, List<String> users, List<String> groups, List<String> keys) {
    this(description, models, tools, resources, prompts, users, groups, keys, null);
  }

  /**
   * A persona's limits, counted across every caller acting through it, on top of (never instead
   * of) the caller's key and team limits. LLM requests and MCP tool calls count against all of
   * them (tool calls use no tokens). Absent fields: no such limit.
   *
   * @param rpm requests (LLM requests and MCP tool calls) per minute
   * @param tpm LLM tokens per minute (prompt + max_tokens reserved, settled with real usage)
   * @param maxParallel LLM requests and MCP tool calls in flight at once
   * @param budgetUsd LLM and tool spend in US dollars per {@code period}
   * @param period daily, weekly, monthly or total (the default)
   */
  public record Limits(Integer rpm, Long tpm, Integer maxParallel, Double budgetUsd, String period) {
    /** Whether any limit is set. */
    public boolean any() {
      return rpm != null || tpm != null || maxParallel != null || budgetUsd != null;
    }

    /** The budget in billionths of a US dollar, or null. */
    public Long budgetNanos() {
      return budgetUsd == null ? null
          : java.math.BigDecimal.valueOf(budgetUsd).movePointRight(9).setScale(0, java.math.RoundingMode.DOWN)
              .longValueExact();
    }
  }

  public PersonaConfig {
    models = models == null ? List.of() : List.copyOf(models);
    tools = tools == null ? List.of() : List.copyOf(tools);
    resources = resources == null ? List.of() : List.copyOf(resources);
    prompts = prompts == null ? List.of() : List.copyOf(prompts);
    users = users == null ? List.of() : List.copyOf(users);
    groups = groups == null ? List.of() : List.copyOf(groups);
    keys = keys == null ? List.of() : List.copyOf(keys);
  }

  /**
   * One grant. {@code server} (a configured MCP server key) limits it to that server, and then
   * {@code match} is a glob over the server's own names; without it, over the namespaced names
   * of /mcp. Every entry of {@code annotations} must equal the tool's annotation (for example
   * {@code readOnlyHint: true}); a tool without the annotation does not match.
   */
  public record Grant(String server, String match, Map<String, Object> annotations) {
    public Grant {
      match = match == null ? "*" : match;
      annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /** The short form: a bare glob string. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Grant of(String match) {
      return new Grant(null, match, null);
    }
  }
}
