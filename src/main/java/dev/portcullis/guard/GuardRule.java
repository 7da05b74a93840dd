package dev.portcullis.guard;

import dev.portcullis.identity.Globs;
import java.util.List;
import java.util.Set;

/**
 * One rule: where it applies (globs per context field; an empty list matches everything),
 * which detectors it covers (names, or the classes {@code pii}, {@code secrets}, {@code all}),
 * what it does, and in which direction.
 */
public record GuardRule(String name, List<String> surfaces, List<String> routes, List<String> models,
    List<String> keys, List<String> personas, List<String> servers, List<String> tools, Set<String> detectors,
    Action action, boolean onRequest, boolean onResponse) {

  public GuardRule {
    surfaces = surfaces == null ? List.of() : List.copyOf(surfaces);
    routes = routes == null ? List.of() : List.copyOf(routes);
    models = models == null ? List.of() : List.copyOf(models);
    keys = keys == null ? List.of() : List.copyOf(keys);
    personas = personas == null ? List.of() : List.copyOf(personas);
    servers = servers == null ? List.of() : List.copyOf(servers);
    tools = tools == null ? List.of() : List.copyOf(tools);
    detectors = detectors == null || detectors.isEmpty() ? Set.of("all") : Set.copyOf(detectors);
  }

  public boolean appliesTo(GuardContext c) {
    return any(surfaces, c.surface()) && any(routes, c.route()) && any(models, c.model()) && any(keys, c.key())
        && any(personas, c.persona()) && any(servers, c.server()) && any(tools, c.tool());
  }

  /** Whether this rule covers detector {@code name} (a secret detector when {@code secret}). */
  public boolean covers(String name, boolean secret) {
    return detectors.contains("all") || detectors.contains(name)
        || secret && detectors.contains("secrets") || !secret && detectors.contains("pii");
  }

  private static boolean any(List<String> globs, String value) {
    if (globs.isEmpty()) {
      return true;
    }
    if (value == null) {
      return false;
    }
    for (String g : globs) {
      if (Globs.matches(g, value)) {
        return true;
      }
    }
    return false;
  }
}
