package dev.portcullis.guard;

import java.util.Map;

/**
 * The actions that apply in one context: per detector, what happens to a request's data and
 * to a response's data, and which rule decided. Built by {@link Guard#plan}; immutable.
 */
public record GuardPlan(Map<String, Action> requestActions, Map<String, String> requestRules, Scanner requestScanner,
    Map<String, Action> responseActions, Map<String, String> responseRules, Scanner responseScanner) {

  /** True when pseudonymised values must be put back into responses. */
  public boolean restores() {
    return requestActions.containsValue(Action.PSEUDONYMISE);
  }

  /** True when responses need any work (restoring or scanning). */
  public boolean touchesResponses() {
    return restores() || !responseScanner.isEmpty();
  }
}
