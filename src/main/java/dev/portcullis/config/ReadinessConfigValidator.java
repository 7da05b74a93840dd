package dev.portcullis.config;

import java.util.List;

/** Every name the readiness policy requires must exist in the configuration. */
final class ReadinessConfigValidator {
  private ReadinessConfigValidator() {}

  static void validate(GatewayConfig c, List<String> problems) {
    List<String> upstreams = c.readiness().requireUpstreams();
    for (int i = 0; i < upstreams.size(); i++) {
      String name = upstreams.get(i);
      String field = "readiness.require_upstreams[" + i + "]";
      if (name == null || name.isBlank()) {
        problems.add(field + ": must not be empty");
      } else if (name.startsWith(ReadinessConfig.MCP_PREFIX)) {
        if (!c.mcp().servers().containsKey(name.substring(ReadinessConfig.MCP_PREFIX.length()))) {
          problems.add(field + ": no MCP server named '" + name.substring(ReadinessConfig.MCP_PREFIX.length())
              + "' in mcp.servers");
        }
      } else if (!deploymentExists(c, name)) {
        problems.add(field + ": no deployment named '" + name + "' (a deployment name, model/deployment, or"
            + " mcp:SERVER)");
      }
    }
    List<String> models = c.readiness().requireModels();
    for (int i = 0; i < models.size(); i++) {
      if (!c.models().containsKey(models.get(i))) {
        problems.add("readiness.require_models[" + i + "]: no model named '" + models.get(i) + "' in models");
      }
    }
  }

  /** Deployment names as the gateway gives them: configured, else MODEL-N (1-based). */
  private static boolean deploymentExists(GatewayConfig c, String name) {
    for (var g : c.models().entrySet()) {
      var ds = g.getValue().deployments();
      for (int i = 0; i < ds.size(); i++) {
        String d = ds.get(i).name() != null ? ds.get(i).name() : g.getKey() + "-" + (i + 1);
        if (name.equals(d) || name.equals(g.getKey() + "/" + d)) {
          return true;
        }
      }
    }
    return false;
  }
}
