package dev.portcullis.limits;

import dev.portcullis.config.PersonaConfig;
import dev.portcullis.identity.Persona;
import java.util.HashMap;
import java.util.Map;

/**
 * The rate limiters of personas with limits ({@code personas.NAME.limits}): one request bucket,
 * token bucket and in-flight count per persona, shared by everyone acting through it and by both
 * surfaces. LLM requests go through the {@link Accountant}; MCP tool calls take a request and a
 * parallel slot here ({@link #enterCall}, {@link #exitCall}). Thread-safe; never blocks.
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

  /**
   * An MCP tool call through persona {@code p}: takes a parallel slot and a request, or says
   * why not. An admitted call must be ended with {@link #exitCall}.
   */
  public Refusal enterCall(Persona p) {
    KeyLimiter l = limiter(p);
    if (l == null) {
      return null;
    }
    if (!l.tryEnter()) {
      return Accountant.parallelRefusal("persona '" + p.name() + "'", l);
    }
    long wait = l.takeRequest();
    if (wait >= 0) {
      l.exit();
      return Accountant.rpmRefusal("persona '" + p.name() + "'", l, wait);
    }
    return null;
  }

  /** Ends a call admitted by {@link #enterCall}. */
  public void exitCall(Persona p) {
    KeyLimiter l = limiter(p);
    if (l != null) {
      l.exit();
    }
  }

  /** Calls in flight through the persona (tests, diagnostics); 0 without a max_parallel limit. */
  public int inFlight(Persona p) {
    KeyLimiter l = limiter(p);
    return l == null ? 0 : l.inFlight();
  }
}
