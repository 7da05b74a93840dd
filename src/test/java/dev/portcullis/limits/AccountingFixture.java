package dev.portcullis.limits;

import dev.portcullis.config.DeploymentConfig;
import dev.portcullis.config.GatewayConfig.PriceConfig;
import dev.portcullis.config.GatewayConfig.PricingConfig;
import dev.portcullis.config.PersonaConfig;
import dev.portcullis.identity.Persona;
import dev.portcullis.identity.Principal;
import dev.portcullis.identity.Team;
import dev.portcullis.identity.VirtualKey;
import dev.portcullis.llm.CallSummary;
import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.Endpoint;
import dev.portcullis.llm.Usage;
import java.util.List;
import java.util.Map;

/**
 * A key in a team, acting through a shared persona, each with limits and a budget, on model
 * {@code m} at $1000 per million tokens (1,000,000 nano-dollars a token): the accountant's
 * collaborators without a gateway around them, for injecting failures and for property tests.
 */
final class AccountingFixture {
  static final String MODEL = "m";
  static final Deployment DEPLOYMENT = new Deployment(MODEL, "m-1",
      new DeploymentConfig.OpenAi("m-1", null, null, null, null, null, null, null), "http://127.0.0.1:1",
      null);
  static final PriceTable PRICES = new PriceTable(new PricingConfig(
      Map.of(MODEL, new PriceConfig(1000.0, null, null, 1000.0, null)), Map.of()), null);

  final Persona persona;
  final Principal principal;
  final BudgetLedger ledger = new BudgetLedger();
  final PersonaLimits personaLimits;

  AccountingFixture(long keyBudgetNanos, long teamBudgetNanos, double personaBudgetUsd, Long tpm, int maxParallel) {
    PersonaConfig pc = new PersonaConfig(null, List.of(MODEL), null, null, null, null, null, List.of("k1"),
        new PersonaConfig.Limits(null, tpm, maxParallel, personaBudgetUsd, null));
    persona = new Persona("shared", pc);
    personaLimits = new PersonaLimits(Map.of("shared", pc));
    VirtualKey key = new VirtualKey("k1", "k1", "hash", "pk", "t1", null, List.of(), 1_000_000, tpm, maxParallel,
        keyBudgetNanos, "total", null, null, false, 0, 0);
    Team team = new Team("t1", "team", teamBudgetNanos, "total", null, 0);
    principal = new Principal("k1", "virtual_key", key, team).withPersona(persona);
  }

  Accountant accountant(PriceLookup prices, UsageSink sink) {
    return new Accountant(prices, ledger, sink, personaLimits);
  }

  BudgetLedger.Account account(String scope) {
    String id = switch (scope) {
      case BudgetLedger.KEY -> "k1";
      case BudgetLedger.TEAM -> "t1";
      default -> "shared";
    };
    return ledger.account(scope, id, System.currentTimeMillis());
  }

  static CallSummary finished(String requestId, Usage usage) {
    return new CallSummary(requestId, Endpoint.CHAT_COMPLETIONS, MODEL, DEPLOYMENT, 200, 1, 1_000_000, -1, usage,
        "ok", false);
  }
}
