package dev.portcullis.policy;

/**
 * The answer to one request: allow, deny or require approval, with the rule (or grant) that
 * decided and a reason safe to show to the caller.
 */
public record Decision(Outcome outcome, String rule, String reason) {
  public enum Outcome { ALLOW, DENY, REQUIRE_APPROVAL }

  public static final Decision ALLOW = new Decision(Outcome.ALLOW, null, null);

  public static Decision deny(String rule, String reason) {
    return new Decision(Outcome.DENY, rule, reason);
  }

  public boolean allowed() {
    return outcome == Outcome.ALLOW;
  }
}
