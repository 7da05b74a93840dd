package dev.portcullis.limits;

import dev.portcullis.config.PersonaConfig;
import dev.portcullis.identity.KeyDirectory;
import dev.portcullis.identity.Team;
import dev.portcullis.identity.VirtualKey;
import dev.portcullis.telemetry.GatewayMetrics.Budget;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What is left of every budget in its current period: each virtual key's and team's with a
 * budget, and each persona's. Read at each metrics scrape, never on the request path.
 */
public final class BudgetGauges {
  private final KeyDirectory keys;
  private final BudgetLedger ledger;
  private final java.util.function.Supplier<Map<String, PersonaConfig>> personas;

  /**
   * @param keys the virtual keys and their teams, or null without a store (persona budgets only)
   * @param personas the personas in force (a reload may change their budgets)
   */
  public BudgetGauges(KeyDirectory keys, BudgetLedger ledger,
      java.util.function.Supplier<Map<String, PersonaConfig>> personas) {
    this.keys = keys;
    this.ledger = ledger;
    this.personas = personas;
  }

  public List<Budget> remaining() {
    long now = System.currentTimeMillis();
    List<Budget> out = new ArrayList<>();
    if (keys != null) {
      Set<String> teams = new HashSet<>();
      for (VirtualKey k : keys.keys()) {
        if (k.budgetNanos() != null && !k.disabled()) {
          out.add(row(BudgetLedger.KEY, k.id(), k.budgetNanos(), k.budgetPeriod(), now));
        }
        Team t = keys.team(k.teamId());
        if (t != null && t.budgetNanos() != null && teams.add(t.id())) {
          out.add(row(BudgetLedger.TEAM, t.id(), t.budgetNanos(), t.budgetPeriod(), now));
        }
      }
    }
    personas.get().forEach((name, p) -> {
      if (p.limits() != null && p.limits().budgetNanos() != null) {
        out.add(row(BudgetLedger.PERSONA, name, p.limits().budgetNanos(), p.limits().period(), now));
      }
    });
    return out;
  }

  private Budget row(String scope, String id, long budgetNanos, String period, long now) {
    BudgetLedger.Account a = ledger.find(scope, id);
    long spent = a == null ? 0 : a.spent(BudgetScope.period(period), now);
    return new Budget(scope, id, Math.max(0, budgetNanos - spent) / 1e9);
  }
}
