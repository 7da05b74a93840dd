package dev.portcullis.config;

import java.util.List;

/**
 * The {@code readiness} section: what {@code GET /readyz} requires besides the gateway having
 * started. Absent, it is ready once it listens (the upstreams' health does not matter).
 *
 * @param requireUpstreams each must be healthy: a deployment's name (any model group) or
 *     {@code model/deployment}, or {@code mcp:SERVER} for an MCP upstream
 * @param requireModels each model group must have at least one healthy deployment
 */
public record ReadinessConfig(List<String> requireUpstreams, List<String> requireModels) {
  /** The prefix that names an MCP upstream in {@code require_upstreams}. */
  public static final String MCP_PREFIX = "mcp:";

  public ReadinessConfig {
    requireUpstreams = requireUpstreams == null ? List.of() : List.copyOf(requireUpstreams);
    requireModels = requireModels == null ? List.of() : List.copyOf(requireModels);
  }

  public static ReadinessConfig none() {
    return new ReadinessConfig(null, null);
  }
}
