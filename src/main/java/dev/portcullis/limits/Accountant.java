package dev.portcullis.limits;

import dev.portcullis.config.PersonaConfig;
import dev.portcullis.identity.Persona;
import dev.portcullis.identity.Principal;
import dev.portcullis.identity.Team;
import dev.portcullis.identity.VirtualKey;
import dev.portcullis.llm.CallSummary;
import dev.portcullis.llm.Usage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Admits LLM requests against their key's limits (allowed models, parallel requests, RPM, TPM,
 * key and team budgets) and their persona's (parallel requests, RPM, TPM, budget), and accounts for them when they finish: cost from the price table,
 * settlement of every reservation, and a usage record for the store. Knows nothing of HTTP.
 * Both calls run on event loops and never block.
 */
public final class Accountant {
  /** Completion tokens assumed for a request that sets no max_tokens. */
  public static final long DEFAULT_COMPLETION_ESTIMATE = 1024;
  /** The fewest completion tokens a budget reservation assumes for a request without max_tokens. */
  public static final long MIN_COMPLETION_ESTIMATE = 16;

  private final PriceTable prices;
  private final BudgetLedger ledger;
  private final UsageSink sink;
  private final PersonaLimits personaLimits;
  private final ConcurrentHashMap<String, KeyLimiter> limiters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Ticket> inFlight = new ConcurrentHashMap<>();

  public Accountant(PriceTable prices, BudgetLedger ledger, UsageSink sink) {
    this(prices, ledger, sink, PersonaLimits.none());
  }

  public Accountant(PriceTable prices, BudgetLedger ledger, UsageSink sink, PersonaLimits personaLimits) {
    this.prices = prices;
    this.ledger = ledger;
    this.sink = sink;
    this.personaLimits = personaLimits;
  }

  /** What an admitted request holds until it is settled. */
  public static final class Ticket {
    final Principal principal;
    final KeyLimiter limiter;
    final long promptEstimate;
    final long tokensReserved;
    final BudgetLedger.Account keyAccount;
    final long keyReserved;
    final BudgetLedger.Account teamAccount;
    final long teamReserved;
    final RateState rate;
    KeyLimiter personaLimiter;
    long personaTokensReserved;
    BudgetLedger.Account personaAccount;
    long personaReserved;

    Ticket(Principal principal, KeyLimiter limiter, long promptEstimate, long tokensReserved,
        BudgetLedger.Account keyAccount, long keyReserved, BudgetLedger.Account teamAccount, long teamReserved,
        RateState rate) {
      this.principal = principal;
      this.limiter = limiter;
      this.promptEstimate = promptEstimate;
      this.tokensReserved = tokensReserved;
      this.keyAccount = keyAccount;
      this.keyReserved = keyReserved;
      this.teamAccount = teamAccount;
      this.teamReserved = teamReserved;
      this.rate = rate;
    }

    /** The rate limits after this admission (for x-ratelimit-* headers: the tighter of key and persona), or null. */
    public RateState rate() {
      return rate;
    }
  }

  /** Either a refusal or an admitted request's ticket. */
  public record Admission(Refusal refusal, Ticket ticket) {}

  /**
   * Admits or refuses a request against its key's limits, its team's budget and its persona's
   * limits and budget (all must pass). An admitted request must be finished through
   * {@link #completed} (the call observer) with the same request id.
   *
   * @param promptTokens the estimated prompt tokens; asked for only when a limit needs it
   * @param maxTokens the request's max_tokens, or 0 when it set none
   */
  public Admission admit(String requestId, Principal principal, String model, LongSupplier promptTokens,
      long maxTokens) {
    VirtualKey key = principal == null ? null : principal.key();
    Persona persona = principal == null ? null : principal.persona();
    PersonaConfig.Limits pl = PersonaLimits.limits(persona);
    if (key == null && pl == null) {
      Ticket t = new Ticket(principal, null, -1, 0, null, 0, null, 0, null);
      inFlight.put(requestId, t);
      return new Admission(null, t);
    }
    if (key != null && !key.allows(model)) {
      return new Admission(new Refusal(Refusal.Kind.MODEL_NOT_ALLOWED,
          "This API key is not allowed to use model `" + model + "` (allowed: " + String.join(", ", key.models())
              + ").", -1, null), null);
    }
    long now = System.currentTimeMillis();
    String who = persona == null ? null : "persona '" + persona.name() + "'";
    KeyLimiter limiter = key == null ? null : limiter(key);
    KeyLimiter plim = personaLimits.limiter(persona);
    if (limiter != null && !limiter.tryEnter()) {
      return new Admission(parallelRefusal("this API key", limiter), null);
    }
    if (plim != null && !plim.tryEnter()) {
      exit(limiter);
      return new Admission(parallelRefusal(who, plim), null);
    }
    long wait = limiter == null ? -1 : limiter.takeRequest();
    if (wait >= 0) {
      exit(limiter);
      exit(plim);
      return new Admission(rpmRefusal("this API key", limiter, wait), null);
    }
    wait = plim == null ? -1 : plim.takeRequest();
    if (wait >= 0) {
      undo(limiter, 0);
      exit(plim);
      return new Admission(rpmRefusal(who, plim, wait), null);
    }
    Team team = principal.team();
    Long personaBudget = pl == null ? null : pl.budgetNanos();
    boolean needPrompt = limiter != null && limiter.hasTokenLimit() || plim != null && plim.hasTokenLimit()
        || key != null && key.budgetNanos() != null || team != null && team.budgetNanos() != null
        || personaBudget != null;
    long prompt = needPrompt ? promptTokens.getAsLong() : -1;
    long completion = maxTokens > 0 ? maxTokens : DEFAULT_COMPLETION_ESTIMATE;
    long tokens = limiter != null && limiter.hasTokenLimit() ? prompt + completion : 0;
    long personaTokens = plim != null && plim.hasTokenLimit() ? prompt + completion : 0;
    wait = limiter == null ? -1 : limiter.takeTokens(tokens);
    if (wait >= 0) {
      undo(limiter, 0);
      undo(plim, 0);
      return new Admission(tpmRefusal("this API key", limiter, tokens, wait), null);
    }
    wait = plim == null ? -1 : plim.takeTokens(personaTokens);
    if (wait >= 0) {
      undo(limiter, tokens);
      undo(plim, 0);
      return new Admission(tpmRefusal(who, plim, personaTokens, wait), null);
    }
    RateState rate = tighter(rated(limiter), rated(plim));
    BudgetLedger.Account keyAccount = key == null ? null : ledger.account(BudgetLedger.KEY, key.id(), now);
    BudgetLedger.Account teamAccount = team == null ? null : ledger.account(BudgetLedger.TEAM, team.id(), now);
    BudgetLedger.Account personaAccount = persona == null ? null
        : ledger.account(BudgetLedger.PERSONA, persona.name(), now);
    PriceTable.Price price = prices.admissionPrice(model);
    long budgetCompletion = maxTokens > 0 ? maxTokens : budgetCompletion(price, prompt, Math.min(
        remaining(keyAccount, key == null ? null : key.budgetNanos(), key == null ? null : key.budgetPeriod(), now),
        Math.min(remaining(teamAccount, team == null ? null : team.budgetNanos(),
                team == null ? null : team.budgetPeriod(), now),
            remaining(personaAccount, personaBudget, pl == null ? null : pl.period(), now))));
    long bound = needPrompt ? price.bound(prompt, budgetCompletion) : 0;
    long keyReserved = 0;
    if (key != null && key.budgetNanos() != null) {
      Period p = period(key.budgetPeriod());
      if (!keyAccount.tryReserve(p, key.budgetNanos(), bound, now)) {
        undo(limiter, tokens);
        undo(plim, personaTokens);
        return new Admission(budgetRefusal(Refusal.Kind.KEY_BUDGET, "API key", key.budgetNanos(), p, now,
            rate, needs(bound, budgetCompletion, keyAccount, key.budgetNanos(), p, now)), null);
      }
      keyReserved = bound;
    }
    long teamReserved = 0;
    if (team != null) {
      if (team.budgetNanos() != null) {
        Period p = period(team.budgetPeriod());
        if (!teamAccount.tryReserve(p, team.budgetNanos(), bound, now)) {
          release(keyAccount, keyReserved);
          undo(limiter, tokens);
          undo(plim, personaTokens);
          return new Admission(budgetRefusal(Refusal.Kind.TEAM_BUDGET, "team '" + team.name() + "'",
              team.budgetNanos(), p, now, rate,
              needs(bound, budgetCompletion, teamAccount, team.budgetNanos(), p, now)), null);
        }
        teamReserved = bound;
      }
    }
    long personaReserved = 0;
    if (persona != null) {
      if (personaBudget != null) {
        Period p = period(pl.period());
        if (!personaAccount.tryReserve(p, personaBudget, bound, now)) {
          release(keyAccount, keyReserved);
          release(teamAccount, teamReserved);
          undo(limiter, tokens);
          undo(plim, personaTokens);
          return new Admission(budgetRefusal(Refusal.Kind.PERSONA_BUDGET, who, personaBudget, p, now, rate,
              needs(bound, budgetCompletion, personaAccount, personaBudget, p, now)), null);
        }
        personaReserved = bound;
      }
    }
    Ticket t = new Ticket(principal, limiter, prompt, tokens, keyAccount, keyReserved, teamAccount, teamReserved,
        rate);
    t.personaLimiter = plim;
    t.personaTokensReserved = personaTokens;
    t.personaAccount = personaAccount;
    t.personaReserved = personaReserved;
    inFlight.put(requestId, t);
    return new Admission(null, t);
  }

  static Refusal parallelRefusal(String who, KeyLimiter l) {
    return new Refusal(Refusal.Kind.PARALLEL_REQUESTS, "Too many parallel requests for " + who + ": limit "
        + l.maxParallel + ". Wait for one to finish.", 1_000_000_000L, l.state());
  }

  static Refusal rpmRefusal(String who, KeyLimiter l, long wait) {
    return new Refusal(Refusal.Kind.REQUESTS_PER_MINUTE, "Rate limit reached for " + who + " on requests per min"
        + " (RPM): Limit " + l.rpm + ". Please try again in " + seconds(wait) + ".", wait, l.state());
  }

  private static Refusal tpmRefusal(String who, KeyLimiter l, long tokens, long wait) {
    String msg = wait == Long.MAX_VALUE
        ? "Request too large for " + (who.startsWith("this") ? who + "'s" : "the " + who + "'s")
            + " tokens per min (TPM): Limit " + l.tpm + ", Requested " + tokens + ". Lower max_tokens or the prompt."
        : "Rate limit reached for " + who + " on tokens per min (TPM): Limit " + l.tpm + ", Requested " + tokens
            + ". Please try again in " + seconds(wait) + ".";
    return new Refusal(Refusal.Kind.TOKENS_PER_MINUTE, msg, wait == Long.MAX_VALUE ? -1 : wait, l.state());
  }

  /** Per dimension, the state with fewer requests (tokens) left; either may be null. */
  static RateState tighter(RateState a, RateState b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    boolean reqA = b.limitRequests() < 0 || a.limitRequests() >= 0 && a.remainingRequests() <= b.remainingRequests();
    boolean tokA = b.limitTokens() < 0 || a.limitTokens() >= 0 && a.remainingTokens() <= b.remainingTokens();
    RateState r = reqA ? a : b;
    RateState t = tokA ? a : b;
    return new RateState(r.limitRequests(), r.remainingRequests(), r.resetRequestsNanos(), t.limitTokens(),
        t.remainingTokens(), t.resetTokensNanos());
  }

  /** The limiter's state for headers, or null when it has no rate limit (nothing to report). */
  private static RateState rated(KeyLimiter l) {
    return l == null || l.rpm == null && l.tpm == null ? null : l.state();
  }

  private static void exit(KeyLimiter limiter) {
    if (limiter != null) {
      limiter.exit();
    }
  }

  private static void release(BudgetLedger.Account account, long amount) {
    if (account != null && amount != 0) {
      account.release(amount);
    }
  }

  private static void undo(KeyLimiter limiter, long tokens) {
    if (limiter == null) {
      return;
    }
    limiter.settleTokens(tokens, 0);
    limiter.giveBackRequest();
    limiter.exit();
  }

  /**
   * Output tokens a budget reservation assumes for a request without max_tokens: the default
   * estimate, or fewer when the tightest remaining budget cannot pay for that many at the model's
   * output price after the prompt (so a small budget still admits a small request; the call is
   * settled at its real cost), but never fewer than {@link #MIN_COMPLETION_ESTIMATE}.
   */
  static long budgetCompletion(PriceTable.Price price, long prompt, long remaining) {
    if (remaining == Long.MAX_VALUE || price.output() <= 0) {
      return DEFAULT_COMPLETION_ESTIMATE;
    }
    double affordable = Math.floor((remaining - (double) price.bound(Math.max(prompt, 0), 0)) / price.output());
    return (long) Math.max(MIN_COMPLETION_ESTIMATE, Math.min(DEFAULT_COMPLETION_ESTIMATE, affordable));
  }

  /** What a budget has left in its current period (Long.MAX_VALUE without a budget). */
  private static long remaining(BudgetLedger.Account a, Long limit, String period, long now) {
    if (a == null || limit == null) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, limit - a.spent(period(period), now) - a.reserved());
  }

  /** For a budget refusal: what the request needed reserved, and what the budget has left. */
  private static String needs(long bound, long completion, BudgetLedger.Account a, long limit, Period p, long now) {
    return "; this request needs $" + usd(bound) + " reserved for its prompt and up to " + completion
        + " output tokens; $" + usd(Math.max(0, limit - a.spent(p, now) - a.reserved())) + " remains"
        + (a.reserved() > 0 ? " ($" + usd(a.reserved()) + " is reserved by requests in flight)" : "");
  }

  private static Refusal budgetRefusal(Refusal.Kind kind, String who, long limit, Period p, long now,
      RateState rate, String reservation) {
    long end = p.end(p.start(now));
    String per = p == Period.TOTAL ? "" : " per " + p.id();
    return new Refusal(kind, "Budget exceeded for " + who + ": $" + usd(limit) + per + reservation
        + (p == Period.TOTAL ? "." : "; it renews at the start of the next " + p.id() + " (UTC)."),
        p == Period.TOTAL ? -1 : (end - now) * 1_000_000L, rate);
  }

  /** Settles the request's reservations and records its usage. Runs on the event loop. */
  public void completed(CallSummary s) {
    Ticket t = inFlight.remove(s.requestId());
    Usage u = s.usage();
    long prompt = u.promptTokens();
    boolean estimated = u.estimated();
    if (prompt == 0 && u.completionTokens() == 0 && s.deployment() != null && t != null && t.promptEstimate > 0
        && "client_closed".equals(s.outcome())) {
      // The client left before any usage was known; the provider still read the prompt.
      u = new Usage(t.promptEstimate, 0, 0, 0, true);
      estimated = true;
    }
    long cost = s.deployment() == null ? 0 : prices.price(s.deployment()).cost(u);
    long now = System.currentTimeMillis();
    String keyId = null;
    String teamId = null;
    String persona = null;
    if (t != null) {
      if (t.limiter != null) {
        t.limiter.settleTokens(t.tokensReserved, u.totalTokens());
        t.limiter.exit();
      }
      if (t.keyAccount != null) {
        t.keyAccount.settle(t.keyReserved, cost, now);
      }
      if (t.teamAccount != null) {
        t.teamAccount.settle(t.teamReserved, cost, now);
      }
      if (t.personaLimiter != null) {
        t.personaLimiter.settleTokens(t.personaTokensReserved, u.totalTokens());
        t.personaLimiter.exit();
      }
      if (t.personaAccount != null) {
        t.personaAccount.settle(t.personaReserved, cost, now);
      }
      if (t.principal != null) {
        keyId = t.principal.id();
        teamId = t.principal.team() == null ? null : t.principal.team().id();
        persona = t.principal.persona() == null ? null : t.principal.persona().name();
      }
    }
    sink.record(new UsageRecord(s.requestId(), now, keyId, teamId, s.model(),
        s.deployment() == null ? null : s.deployment().name(),
        s.deployment() == null ? null : s.deployment().provider(), s.endpoint().name().toLowerCase(),
        s.stream(), s.status(), s.outcome(), u.promptTokens(), u.completionTokens(), u.cachedTokens(),
        u.reasoningTokens(), estimated, cost, s.durationNanos() / 1_000_000, persona));
  }

  /** Requests admitted and not yet finished. */
  public int inFlight() {
    return inFlight.size();
  }

  public BudgetLedger ledger() {
    return ledger;
  }

  public PriceTable prices() {
    return prices;
  }

  public PersonaLimits personaLimits() {
    return personaLimits;
  }

  private KeyLimiter limiter(VirtualKey key) {
    KeyLimiter l = limiters.get(key.id());
    if (l == null || !l.sameLimits(key.rpm(), key.tpm(), key.maxParallel())) {
      KeyLimiter fresh = new KeyLimiter(key.rpm(), key.tpm(), key.maxParallel());
      l = limiters.compute(key.id(), (id, old) ->
          old != null && old.sameLimits(key.rpm(), key.tpm(), key.maxParallel()) ? old : fresh);
    }
    return l;
  }

  static Period period(String s) {
    Period p = Period.parse(s);
    return p == null ? Period.TOTAL : p;
  }

  static String seconds(long nanos) {
    double s = nanos / 1e9;
    return s < 1 ? Math.max(1, Math.round(s * 1000)) + "ms" : String.format(java.util.Locale.ROOT, "%.3fs", s);
  }

  public static String usd(long nanos) {
    return java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
  }
}
