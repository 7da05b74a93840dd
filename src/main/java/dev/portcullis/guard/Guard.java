package dev.portcullis.guard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guard engine: the enabled detectors and the rules. For each context it works out a
 * {@link GuardPlan} (cached), and hands out a {@link GuardSession} per call, or null when no
 * rule applies, so that unguarded traffic costs one map look-up. Thread-safe; one per gateway.
 */
public final class Guard {
  private static final int MAX_CACHED_PLANS = 10_000;

  private final Map<String, List<Detector>> detectors;
  private final List<GuardRule> rules;
  private final byte[] hashKey;
  private final Map<GuardContext, Optional<GuardPlan>> plans = new ConcurrentHashMap<>();
  /** Every enabled detector, whatever the rules: what the audit trail must never hold raw. */
  private final Scanner auditScanner;

  /**
   * @param detectors the enabled detectors by name (built-in and custom)
   * @param rules the rules, first match wins per detector and direction
   * @param hashKey the key of the keyed hash used by {@link Action#HASH}
   */
  public Guard(Map<String, List<Detector>> detectors, List<GuardRule> rules, byte[] hashKey) {
    this.detectors = new LinkedHashMap<>(detectors);
    this.rules = List.copyOf(rules);
    this.hashKey = hashKey.clone();
    List<Detector> all = new ArrayList<>();
    detectors.values().forEach(all::addAll);
    this.auditScanner = new Scanner(all);
  }

  /**
   * The text as the audit trail may keep it: every value any enabled detector finds replaced by
   * its type and keyed hash ({@code [EMAIL:9f86d081884c]}), whatever the rules do with it on the
   * wire (a {@code log} rule, a resource URI that must reach the upstream as it is). Equal values
   * keep equal hashes, so investigations can still correlate.
   */
  public String forAudit(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    List<Finding> found = auditScanner.scan(text);
    if (found.isEmpty()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int last = 0;
    for (Finding f : found) {
      out.append(text, last, f.start()).append('[').append(f.type()).append(':')
          .append(GuardSession.keyedHash(hashKey, text.substring(f.start(), f.end()))).append(']');
      last = f.end();
    }
    return out.append(text, last, text.length()).toString();
  }

  public List<GuardRule> rules() {
    return rules;
  }

  public Map<String, List<Detector>> detectors() {
    return detectors;
  }

  /** The plan for this context, or null when no rule applies to it. */
  public GuardPlan plan(GuardContext ctx) {
    Optional<GuardPlan> p = plans.get(ctx);
    if (p == null) {
      p = Optional.ofNullable(build(ctx));
      if (plans.size() >= MAX_CACHED_PLANS) {
        plans.clear();
      }
      plans.put(ctx, p);
    }
    return p.orElse(null);
  }

  /** A session for one call in this context, or null when no rule applies (nothing to do). */
  public GuardSession session(GuardContext ctx) {
    GuardPlan plan = plan(ctx);
    return plan == null ? null : new GuardSession(plan, hashKey);
  }

  private GuardPlan build(GuardContext ctx) {
    List<GuardRule> applicable = new ArrayList<>();
    for (GuardRule r : rules) {
      if (r.appliesTo(ctx)) {
        applicable.add(r);
      }
    }
    if (applicable.isEmpty()) {
      return null;
    }
    Map<String, Action> req = new HashMap<>();
    Map<String, String> reqRules = new HashMap<>();
    Map<String, Action> resp = new HashMap<>();
    Map<String, String> respRules = new HashMap<>();
    List<Detector> reqDetectors = new ArrayList<>();
    List<Detector> respDetectors = new ArrayList<>();
    for (var e : detectors.entrySet()) {
      String name = e.getKey();
      boolean secret = e.getValue().get(0).secret();
      for (GuardRule r : applicable) {
        if (r.onRequest() && !req.containsKey(name) && r.covers(name, secret)) {
          req.put(name, r.action());
          reqRules.put(name, r.name());
          reqDetectors.addAll(e.getValue());
        }
        if (r.onResponse() && !resp.containsKey(name) && r.covers(name, secret)) {
          // pseudonymising a response means nothing: it is the request side's data that comes back
          Action a = r.action() == Action.PSEUDONYMISE ? Action.REDACT : r.action();
          resp.put(name, a);
          respRules.put(name, r.name());
          respDetectors.addAll(e.getValue());
        }
      }
    }
    if (req.isEmpty() && resp.isEmpty()) {
      return null;
    }
    return new GuardPlan(Map.copyOf(req), Map.copyOf(reqRules), new Scanner(reqDetectors), Map.copyOf(resp),
        Map.copyOf(respRules), new Scanner(respDetectors));
  }
}
