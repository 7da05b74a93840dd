package dev.portcullis.limits;

import dev.portcullis.config.PersonaConfig;
import dev.portcullis.identity.Persona;
import java.util.HashMap;
import java.util.Map;

/**
 * The rate limiters of personas with limits ({@code personas.NAME.limits}): one request bucket,
 * token bucket and in-flight count per persona, shared by everyone acting through it and by both
 * surfaces: model calls and MCP requests alike count against them through the {@link Accountant}.
 * Thread-safe; never blocks.
 */
public final class PersonaLimits {
  private final Map<String, KeyLimiter> limiters = new HashMap<>();

  public PersonaLimits(Map<String, PersonaConfig> personas) {
    personas.forEach((name, c) -> {
      PersonaConfig.Limits l = c == null ? null : c.limits();
      if (l != null && (l.rpm() != null || l.tpm() != null || l.maxParallel() != null)) {
        limiters.put(name, new KeyLimiter(l.rpm(), l.tpm(), l.maxParallel()));
      }
    });
  }

  /** No persona has limits. */
  public static PersonaLimits none() {
    return new PersonaLimits(Map.of());
  }

  /** The persona's limits, or null when it has none (or there is no persona). */
  static PersonaConfig.Limits limits(Persona p) {
    PersonaConfig.Limits l = p == null ? null : p.config().limits();
    return l != null && l.any() ? l : null;
  }

  /** The persona's rate limiter, or null when it has no rpm, tpm or max_parallel. */
  KeyLimiter limiter(Persona p) {
    return p == null ? null : limiters.get(p.name());
  }

  /** Calls in flight through the persona (tests, diagnostics); 0 without a max_parallel limit. */
  public int inFlight(Persona p) {
    KeyLimiter l = limiter(p);
    return l == null ? 0 : l.inFlight();
  }
}
