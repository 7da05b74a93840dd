package dev.portcullis.guard;

import java.util.Set;

/** A block rule matched: the request (or response) must not pass. Carries types, never values. */
public final class GuardBlockedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String rule;
  private final Set<String> types;

  public GuardBlockedException(String rule, Set<String> types, boolean response) {
    super((response ? "The response" : "The request") + " contains sensitive data (" + String.join(", ", types)
        + ") that guard rule '" + rule + "' does not allow " + (response ? "to be returned." : "to be sent."),
        null, false, false);
    this.rule = rule;
    this.types = Set.copyOf(types);
  }

  public String rule() {
    return rule;
  }

  public Set<String> types() {
    return types;
  }
}
