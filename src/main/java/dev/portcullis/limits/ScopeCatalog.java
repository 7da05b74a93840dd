package dev.portcullis.limits;

import dev.portcullis.config.LimitsConfig;
import dev.portcullis.config.PersonaConfig;
import dev.portcullis.identity.Persona;
import dev.portcullis.identity.Principal;
import dev.portcullis.identity.Team;
import dev.portcullis.identity.VirtualKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which scopes a call counts against, in the order they are reserved: the rate limits first
 * (key, persona, user, tool rules: cheap, and refusing there spends no prompt count), then the
 * budgets (key, team, persona), whose reservation may depend on what all of them have left. The
 * same scopes for a model call and an MCP request; only the tool rules are MCP's alone.
 */
final class ScopeCatalog {
  /** Users with a limiter before idle ones (nothing in flight, buckets full) are forgotten. */
  static final int MAX_IDLE_USERS = 10_000;

  private final BudgetLedger ledger;
  private final PersonaLimits personas;
  private final LimitsConfig.RateLimits userLimits;
  private final List<ToolRule> toolRules = new ArrayList<>();
  private final ConcurrentHashMap<String, KeyLimiter> keys = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, KeyLimiter> users = new ConcurrentHashMap<>();

  private record ToolRule(LimitsConfig.ToolLimit config, NameGlob glob, KeyLimiter limiter) {}

  ScopeCatalog(BudgetLedger ledger, PersonaLimits personas, LimitsConfig limits) {
    this.ledger = ledger;
    this.personas = personas;
    this.userLimits = limits.users() != null && limits.users().any() ? limits.users() : null;
    for (LimitsConfig.ToolLimit t : limits.tools()) {
      toolRules.add(new ToolRule(t, new NameGlob(t.match()), new KeyLimiter(t.rpm(), null, t.maxParallel())));
    }
  }

  List<Scope> scopes(Demand d, long now) {
    Principal p = d.principal();
    VirtualKey key = p == null ? null : p.key();
    Team team = p == null ? null : p.team();
    Persona persona = p == null ? null : p.persona();
    List<Scope> out = new ArrayList<>(6);
    if (key != null) {
      out.add(new RateScope(keyLimiter(key), Scope.KEY, key.id(), "this API key"));
    }
    KeyLimiter pl = personas.limiter(persona);
    if (pl != null) {
      out.add(new RateScope(pl, Scope.PERSONA, persona.name(), "persona '" + persona.name() + "'"));
    }
    if (userLimits != null && p != null && p.subject() != null) {
      out.add(new RateScope(userLimiter(p.id()), Scope.USER, p.id(), "user '" + p.subject() + "'"));
    }
    if (d.isMcp()) {
      for (ToolRule r : toolRules) {
        if (r.config().method().equals(d.method()) && r.glob().matches(d.item())) {
          out.add(new RateScope(r.limiter(), Scope.TOOL, r.config().match(), "tool rule '" + r.config().match()
              + "' (" + r.config().method() + ")"));
        }
      }
    }
    if (key != null) {
      out.add(new BudgetScope(ledger.account(BudgetLedger.KEY, key.id(), now), Scope.KEY, key.id(), "API key",
          key.budgetNanos(), key.budgetPeriod()));
    }
    if (team != null) {
      out.add(new BudgetScope(ledger.account(BudgetLedger.TEAM, team.id(), now), Scope.TEAM, team.id(),
          "team '" + team.name() + "'", team.budgetNanos(), team.budgetPeriod()));
    }
    if (persona != null) {
      PersonaConfig.Limits l = PersonaLimits.limits(persona);
      out.add(new BudgetScope(ledger.account(BudgetLedger.PERSONA, persona.name(), now), Scope.PERSONA,
          persona.name(), "persona '" + persona.name() + "'", l == null ? null : l.budgetNanos(),
          l == null ? null : l.period()));
    }
    return out;
  }

  private KeyLimiter keyLimiter(VirtualKey key) {
    KeyLimiter l = keys.get(key.id());
    if (l == null || !l.sameLimits(key.rpm(), key.tpm(), key.maxParallel())) {
      KeyLimiter fresh = new KeyLimiter(key.rpm(), key.tpm(), key.maxParallel());
      l = keys.compute(key.id(), (id, old) ->
          old != null && old.sameLimits(key.rpm(), key.tpm(), key.maxParallel()) ? old : fresh);
    }
    return l;
  }

  private KeyLimiter userLimiter(String id) {
    KeyLimiter l = users.get(id);
    if (l != null) {
      return l;
    }
    if (users.size() >= MAX_IDLE_USERS) {
      users.values().removeIf(KeyLimiter::idle); // an idle limiter is in the state a new one starts in
    }
    return users.computeIfAbsent(id, x -> new KeyLimiter(userLimits.rpm(), userLimits.tpm(), userLimits.maxParallel()));
  }
}
