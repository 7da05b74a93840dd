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
 *
 * <p>A configuration reload {@link #apply applies} new limits at once: a persona whose numbers
 * change keeps its current minute's usage and its calls in flight (see {@link KeyLimiter#retuned}).
 * Every persona has a limiter, with limits or without, and a call admitted before a reload leaves
 * through the limiter it entered (its ticket holds it).
 */
public final class PersonaLimits {
  /** Replaced whole by {@link #apply}; never changed in place. */
  private volatile Map<String, KeyLimiter> limiters = Map.of();

  public PersonaLimits(Map<String, PersonaConfig> personas) {
    apply(personas);
  }

  /**
   * Puts a reloaded configuration's persona limits in force for calls admitted from now on.
   * Calls one reload at a time (the reloader is serialised).
   */
  public void apply(Map<String, PersonaConfig> personas) {
    Map<String, KeyLimiter> running = limiters;
    Map<String, KeyLimiter> next = new HashMap<>();
    personas.forEach((name, c) -> {
      PersonaConfig.Limits l = c == null ? null : c.limits();
      Integer rpm = l == null ? null : l.rpm();
      Long tpm = l == null ? null : l.tpm();
      Integer parallel = l == null ? null : l.maxParallel();
      KeyLimiter old = running.get(name);
      next.put(name, old == null ? new KeyLimiter(rpm, tpm, parallel) : old.retuned(rpm, tpm, parallel));
    });
    limiters = Map.copyOf(next);
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
    KeyLimiter l = p == null ? null : limiters.get(p.name());
    return l != null && l.limits() ? l : null;
  }

  /** Calls in flight through the persona (tests, diagnostics). */
  public int inFlight(Persona p) {
    KeyLimiter l = p == null ? null : limiters.get(p.name());
    return l == null ? 0 : l.inFlight();
  }
}
