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
 *
 * <p>A configuration reload {@link #apply applies} new limits at once: a persona whose numbers
 * change keeps its current minute's usage and its calls in flight (see {@link KeyLimiter#retuned}).
 * Every persona has a limiter, with limits or without, so that a tool call entered before a reload
 * that adds or removes limits leaves through the same in-flight count it entered.
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

  /**
   * An MCP tool call through persona {@code p}: takes a parallel slot and a request, or says
   * why not. An admitted call must be ended with {@link #exitCall}.
   */
  public Refusal enterCall(Persona p) {
    KeyLimiter l = p == null ? null : limiters.get(p.name());
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
    KeyLimiter l = p == null ? null : limiters.get(p.name());
    if (l != null) {
      l.exit();
    }
  }

  /** Tool calls and limited model calls in flight through the persona (tests, diagnostics). */
  public int inFlight(Persona p) {
    KeyLimiter l = p == null ? null : limiters.get(p.name());
    return l == null ? 0 : l.inFlight();
  }
}
