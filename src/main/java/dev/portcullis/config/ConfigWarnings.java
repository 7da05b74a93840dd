package dev.portcullis.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings that are valid but almost certainly not what was meant; {@code config check} prints
 * them and {@code serve} logs them, and neither refuses the configuration for them.
 */
public final class ConfigWarnings {
  private ConfigWarnings() {}

  public static List<String> of(GatewayConfig c) {
    List<String> warnings = new ArrayList<>();
    if (c.clients().keys().isEmpty() && c.store() == null && !c.identity().tokensEnabled()) {
      warnings.add("clients, store: no client can authenticate (no clients.keys, no store for virtual keys, "
          + "no identity issuers): every request will be refused with 401");
    }
    for (var e : c.mcp().servers().entrySet()) {
      if (e.getValue() instanceof McpServerConfig.Stdio s && s.command() != null) {
        String why = ReferencesValidator.unrunnable(s);
        if (why != null) {
          warnings.add("mcp.servers." + e.getKey() + ".command: " + why);
        }
      }
      if (e.getValue() instanceof McpServerConfig.OpenApi o) {
        String why = ReferencesValidator.refusedBaseUrl(o);
        if (why != null) {
          warnings.add("mcp.servers." + e.getKey() + ".base_url: " + why);
        }
      }
    }
    return warnings;
  }
}
