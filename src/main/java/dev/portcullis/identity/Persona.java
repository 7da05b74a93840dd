package dev.portcullis.identity;

import dev.portcullis.config.PersonaConfig;
import dev.portcullis.config.PersonaConfig.Grant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A named, least-privilege role an agent acts through: what it may call (models, MCP tools,
 * resources, prompts) and who may act through it. Nothing is granted unless listed.
 */
public record Persona(String name, PersonaConfig config) {

  /** Whether this principal may act through the persona (by subject, email, group or key id). */
  public boolean admits(Principal p) {
    if (config.keys().contains(p.id())) {
      return true;
    }
    if (p.subject() != null) {
      for (String u : config.users()) {
        if (u.equals(p.subject()) || u.equals(p.claims().get("email"))
            || u.equals(p.claims().get("preferred_username"))) {
          return true;
        }
      }
    }
    for (String g : p.groups()) {
      if (config.groups().contains(g)) {
        return true;
      }
    }
    return false;
  }

  public boolean allowsModel(String model) {
    for (String g : config.models()) {
      if (Globs.matches(g, model)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether an MCP item is granted.
   *
   * @param kind "tool", "resource" or "prompt"
   * @param server the upstream server's configuration key
   * @param original the server's own name (or URI)
   * @param exposed the name on /mcp (namespaced), or the URI
   */
  public boolean allowsItem(String kind, String server, String original, String exposed,
      Map<String, Object> annotations) {
    List<Grant> grants = switch (kind) {
      case "tool" -> config.tools();
      case "resource" -> config.resources();
      case "prompt" -> config.prompts();
      default -> List.of();
    };
    for (Grant g : grants) {
      if (g.server() != null && !g.server().equals(server)) {
        continue;
      }
      String subject = g.server() == null ? exposed : original;
      if (!Globs.matches(g.match(), subject)) {
        continue;
      }
      boolean ok = true;
      for (Map.Entry<String, Object> a : g.annotations().entrySet()) {
        Object have = annotations.get(a.getKey());
        if (have == null || !Objects.equals(String.valueOf(have), String.valueOf(a.getValue()))) {
          ok = false;
          break;
        }
      }
      if (ok) {
        return true;
      }
    }
    return false;
  }
}
