package dev.portcullis.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What differs between two configurations, section by section, in the words the reload log
 * uses ("models: added gpt-x"). The MCP servers' changes are reported by the MCP gateway itself.
 */
public final class ConfigChanges {
  private ConfigChanges() {}

  public static List<String> between(GatewayConfig a, GatewayConfig b) {
    List<String> out = new ArrayList<>();
    names(out, "models", a.models(), b.models());
    if (!a.clients().keys().equals(b.clients().keys())) {
      out.add("clients.keys: " + b.clients().keys().size() + " keys (were " + a.clients().keys().size() + ")");
    }
    names(out, "personas", a.personas(), b.personas());
    section(out, "router", a.router(), b.router());
    section(out, "pricing", a.pricing(), b.pricing());
    section(out, "policy", a.policy(), b.policy());
    section(out, "guard", a.guard(), b.guard());
    section(out, "mcp.virtual_servers", a.mcp().virtualServers(), b.mcp().virtualServers());
    return out;
  }

  private static void names(List<String> out, String section, Map<String, ?> a, Map<String, ?> b) {
    List<String> added = b.keySet().stream().filter(k -> !a.containsKey(k)).toList();
    List<String> removed = a.keySet().stream().filter(k -> !b.containsKey(k)).toList();
    List<String> changed = b.keySet().stream().filter(k -> a.containsKey(k) && !a.get(k).equals(b.get(k))).toList();
    if (!added.isEmpty()) {
      out.add(section + ": added " + String.join(" ", added));
    }
    if (!removed.isEmpty()) {
      out.add(section + ": removed " + String.join(" ", removed));
    }
    if (!changed.isEmpty()) {
      out.add(section + ": changed " + String.join(" ", changed));
    }
  }

  private static void section(List<String> out, String name, Object a, Object b) {
    if (!Objects.equals(a, b)) {
      out.add(name + ": changed");
    }
  }
}
