package dev.portcullis.identity;

import dev.portcullis.config.PersonaConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configured personas, and which one a request acts through: the one it names (a header),
 * else the default named by the caller's virtual key ({@code persona} in its metadata) or token
 * (a {@code persona} claim). A named persona must exist and admit the caller, else the request is
 * refused; a request that names none and has no default acts through no persona.
 */
public final class PersonaDirectory {
  private final Map<String, Persona> personas = new LinkedHashMap<>();

  public PersonaDirectory(Map<String, PersonaConfig> config) {
    config.forEach((name, c) -> personas.put(name, new Persona(name, c)));
  }

  public boolean isEmpty() {
    return personas.isEmpty();
  }

  public Persona get(String name) {
    return personas.get(name);
  }

  /** The answer: the persona (or null for none), or why the request is refused. */
  public record Resolution(Persona persona, String refusal) {}

  public Resolution resolve(Principal p, String requested) {
    String name = requested;
    if (name == null || name.isBlank()) {
      name = p.key() != null ? p.key().metadata().get("persona") : null;
      if (name == null && p.claims().get("persona") instanceof String s) {
        name = s;
      }
    }
    if (name == null || name.isBlank()) {
      return new Resolution(null, null);
    }
    Persona persona = personas.get(name.trim());
    if (persona == null || !persona.admits(p)) {
      // an unknown persona and one the caller may not use look the same
      return new Resolution(null, "you may not act through the persona '" + name.trim() + "'");
    }
    return new Resolution(persona, null);
  }
}
