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
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits LLM requests against their key's limits (allowed models, parallel requests, RPM, TPM,
 * key and team budgets) and their persona's (parallel requests, RPM, TPM, budget), and accounts for them when they finish: cost from the price table,
 * settlement of every reservation, and a usage record for the store. Knows nothing of HTTP.
 * Both calls run on event loops and never block.
 *
 * <p>Every number reaching this arithmetic is bounded first: max_tokens is capped at the model's
 * output limit, an upstream's usage is held to sane counts ({@link ReportedUsage}), sums saturate
 * ({@link Saturating}). Settlement gives back every slot and reservation and writes the usage
 * record even when a step of it fails.
 */
public final class Accountant {
  private static final Logger LOG = LoggerFactory.getLogger(Accountant.class);

  /** Completion tokens assumed for a request that sets no max_tokens. */
  public static final long DEFAULT_COMPLETION_ESTIMATE = 1024;
  /** The fewest completion tokens a budget reservation assumes for a request without max_tokens. */
  public static final long MIN_COMPLETION_ESTIMATE = 16;

  private final PriceLookup prices;
  private final BudgetLedger ledger;
  private final UsageSink sink;
  private final PersonaLimits personaLimits;
  private final ConcurrentHashMap<String, KeyLimiter> limiters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Ticket> inFlight = new ConcurrentHashMap<>();

  public Accountant(PriceLookup prices, BudgetLedger ledger, UsageSink sink) {
    this(prices, ledger, sink, PersonaLimits.none());
  }

  public Accountant(PriceLookup prices, BudgetLedger ledger, UsageSink sink, PersonaLimits personaLimits) {
    this.prices = prices;
    this.ledger = ledger;
    this.sink = sink;
    this.personaLimits = personaLimits;
  }

  /** Either a refusal or an admitted request's ticket. */
  public record Admission(Refusal refusal, Ticket ticket) {}

  /**
   * Admits or refuses a request against its key's limits, its team's budget and its persona's
   * limits and budget (all must pass). An admitted request must be finished through
   * {@link #completed} (the call observer) with the same request id. Nothing is held after a
   * refusal, nor after an exception.
   *
   * @param promptTokens the estimated prompt tokens; asked for only when a limit needs it
   * @param maxTokens the request's max_tokens, or 0 (or less) when it set none
   * @param choices how many answers the request asks for (n), each up to maxTokens
   */
  public Admission admit(String requestId, Principal principal, String model, LongSupplier promptTokens,
      long maxTokens, long choices) {
    VirtualKey key = principal == null ? null : principal.key();
    Persona persona = principal == null ? null : principal.persona();
    PersonaConfig.Limits pl = PersonaLimits.limits(persona);
    if (key == null && pl == null) {
      Ticket t = new Ticket(principal, null, null);
      t.prices = prices.now();
      inFlight.put(requestId, t);
      return new Admission(null, t);
    }
    if (key != null && !key.allows(model)) {
      return new Admission(new Refusal(Refusal.Kind.MODEL_NOT_ALLOWED,
          "This API key is not allowed to use model `" + model + "` (allowed: " + String.join(", ", key.models())
              + ").", -1, null), null);
    }
    Ticket t = new Ticket(principal, key == null ? null : limiter(key), personaLimits.limiter(persona));
    t.prices = prices.now();
    Supplier<Refusal> refusal;
    try {
      refusal = take(t, model, promptTokens, maxTokens, choices, System.currentTimeMillis());
    } catch (RuntimeException e) {
      cancel(t, e);
      throw e;
    }
    if (refusal != null) {
      cancel(t, null);
      return new Admission(refusal.get(), null); // built after the give-back, so its rate headers show it
    }
    inFlight.put(requestId, t);
    return new Admission(null, t);
  }

  /** Takes what the request needs into its ticket, or says (lazily) why not. */
  private Supplier<Refusal> take(Ticket t, String model, LongSupplier promptTokens, long maxTokens, long choices,
      long now) {
    VirtualKey key = t.principal.key();
    Team team = t.principal.team();
    Persona persona = t.principal.persona();
    PersonaConfig.Limits pl = PersonaLimits.limits(persona);
    String who = persona == null ? null : "persona '" + persona.name() + "'";
    if (!t.key.enter()) {
      return () -> parallelRefusal("this API key", t.key.limiter);
    }
    if (!t.persona.enter()) {
      return () -> parallelRefusal(who, t.persona.limiter);
    }
    long keyWait = t.key.takeRequest();
    if (keyWait >= 0) {
      return () -> rpmRefusal("this API key", t.key.limiter, keyWait);
    }
    long personaWait = t.persona.takeRequest();
    if (personaWait >= 0) {
      return () -> rpmRefusal(who, t.persona.limiter, personaWait);
    }
    Long personaBudget = pl == null ? null : pl.budgetNanos();
    boolean needPrompt = t.key.hasTokenLimit() || t.persona.hasTokenLimit()
        || key != null && key.budgetNanos() != null || team != null && team.budgetNanos() != null
        || personaBudget != null;
    if (!needPrompt) {
      t.rate = tighter(rated(t.key.limiter), rated(t.persona.limiter));
      t.keyBudget.account = key == null ? null : ledger.account(BudgetLedger.KEY, key.id(), now);
      t.teamBudget.account = team == null ? null : ledger.account(BudgetLedger.TEAM, team.id(), now);
      t.personaBudget.account = persona == null ? null : ledger.account(BudgetLedger.PERSONA, persona.name(), now);
      return null;
    }
    long prompt = Math.max(0, promptTokens.getAsLong());
    t.promptEstimate = prompt;
    PriceTable.Price price = t.prices.admissionPrice(model);
    long completion = completionReservation(maxTokens, choices, price.maxOutputTokens());
    long tokens = Saturating.add(prompt, completion);
    long keyTokenWait = t.key.hasTokenLimit() ? t.key.takeTokens(tokens) : -1;
    if (keyTokenWait >= 0) {
      return () -> tpmRefusal("this API key", t.key.limiter, tokens, keyTokenWait);
    }
    long personaTokenWait = t.persona.hasTokenLimit() ? t.persona.takeTokens(tokens) : -1;
    if (personaTokenWait >= 0) {
      return () -> tpmRefusal(who, t.persona.limiter, tokens, personaTokenWait);
    }
    RateState rate = tighter(rated(t.key.limiter), rated(t.persona.limiter));
    t.rate = rate;
    t.keyBudget.account = key == null ? null : ledger.account(BudgetLedger.KEY, key.id(), now);
    t.teamBudget.account = team == null ? null : ledger.account(BudgetLedger.TEAM, team.id(), now);
    t.personaBudget.account = persona == null ? null : ledger.account(BudgetLedger.PERSONA, persona.name(), now);
    // without max_tokens, the budget reservation assumes what the tightest budget can still pay for
    long budgetCompletion = maxTokens > 0 ? completion : completionReservation(budgetCompletion(price, prompt,
        Math.min(remaining(t.keyBudget.account, key == null ? null : key.budgetNanos(),
                key == null ? null : key.budgetPeriod(), now),
            Math.min(remaining(t.teamBudget.account, team == null ? null : team.budgetNanos(),
                    team == null ? null : team.budgetPeriod(), now),
                remaining(t.personaBudget.account, personaBudget, pl == null ? null : pl.period(), now)))),
        choices, price.maxOutputTokens());
    long bound = price.bound(prompt, budgetCompletion);
    if (key != null && key.budgetNanos() != null) {
      Period p = period(key.budgetPeriod());
      if (!reserve(t.keyBudget, p, key.budgetNanos(), bound, now)) {
        return () -> budgetRefusal(Refusal.Kind.KEY_BUDGET, "API key", key.budgetNanos(), p, now, rate,
            needs(bound, budgetCompletion, t.keyBudget.account, key.budgetNanos(), p, now));
      }
    }
    if (team != null && team.budgetNanos() != null) {
      Period p = period(team.budgetPeriod());
      if (!reserve(t.teamBudget, p, team.budgetNanos(), bound, now)) {
        return () -> budgetRefusal(Refusal.Kind.TEAM_BUDGET, "team '" + team.name() + "'", team.budgetNanos(), p,
            now, rate,
            needs(bound, budgetCompletion, t.teamBudget.account, team.budgetNanos(), p, now));
      }
    }
    if (persona != null && personaBudget != null) {
      Period p = period(pl.period());
      if (!reserve(t.personaBudget, p, personaBudget, bound, now)) {
        return () -> budgetRefusal(Refusal.Kind.PERSONA_BUDGET, who, personaBudget, p, now, rate,
            needs(bound, budgetCompletion, t.personaBudget.account, personaBudget, p, now));
      }
    }
    return null;
  }

  /**
   * The completion tokens to reserve: max_tokens (or the default estimate) capped at the model's
   * output limit, times the number of choices. A max_tokens of 2^63-1 is a request for "as much
   * as the model writes", not for 2^63-1 tokens.
   */
  static long completionReservation(long maxTokens, long choices, long maxOutputTokens) {
    long perChoice = Math.min(maxTokens > 0 ? maxTokens : DEFAULT_COMPLETION_ESTIMATE, maxOutputTokens);
    return Saturating.multiply(perChoice, Math.max(1, choices));
  }

  private static boolean reserve(Ticket.Reservation r, Period p, long limit, long amount, long now) {
    if (!r.account.tryReserve(p, limit, amount, now)) {
      return false;
    }
    r.amount = amount;
    return true;
  }

  private static void cancel(Ticket t, RuntimeException cause) {
    try {
      t.cancel();
    } catch (RuntimeException e) {
      if (cause != null) {
        cause.addSuppressed(e);
      } else {
        LOG.error("giving back a refused request's limits failed", e);
      }
    }
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
    return left(limit, a, period(period), now);
  }

  /** A budget's limit less what it spent this period and what is reserved, never below zero. */
  private static long left(long limit, BudgetLedger.Account a, Period p, long now) {
    long used = Saturating.add(a.spent(p, now), a.reserved());
    return used >= limit ? 0 : limit - used;
  }

  /** For a budget refusal: what the request needed reserved, and what the budget has left. */
  private static String needs(long bound, long completion, BudgetLedger.Account a, long limit, Period p, long now) {
    return "; this request needs $" + usd(bound) + " reserved for its prompt and up to " + completion
        + " output tokens; $" + usd(left(limit, a, p, now)) + " remains"
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

  /**
   * Settles the request's reservations and records its usage. Runs on the event loop and never
   * throws: every slot and reservation is given back and the usage record written whatever fails.
   */
  public void completed(CallSummary s) {
    Ticket t = inFlight.remove(s.requestId());
    Usage u = usage(s, t);
    long cost = cost(s, u, t);
    long now = System.currentTimeMillis();
    if (t != null) {
      try {
        t.settle(u.totalTokens(), cost, now);
      } catch (RuntimeException e) {
        LOG.error("settling request {} failed in part; every other part was settled", s.requestId(), e);
      }
    }
    Principal p = t == null ? null : t.principal;
    try {
      sink.record(new UsageRecord(s.requestId(), now, p == null ? null : p.id(),
          p == null || p.team() == null ? null : p.team().id(), s.model(),
          s.deployment() == null ? null : s.deployment().name(),
          s.deployment() == null ? null : s.deployment().provider(), s.endpoint().name().toLowerCase(),
          s.stream(), s.status(), s.outcome(), u.promptTokens(), u.completionTokens(), u.cachedTokens(),
          u.reasoningTokens(), u.estimated(), cost, s.durationNanos() / 1_000_000,
          p == null || p.persona() == null ? null : p.persona().name()));
    } catch (RuntimeException e) {
      LOG.error("the usage record of request {} could not be written", s.requestId(), e);
    }
  }

  /** The usage to charge: the upstream's report held to sane counts, or the prompt estimate for a client that left. */
  private static Usage usage(CallSummary s, Ticket t) {
    ReportedUsage reported = ReportedUsage.of(s.usage());
    if (reported.problem() != null) {
      LOG.warn("request {}: deployment '{}' reported impossible usage ({}); charged as {} prompt and {} completion"
          + " tokens", s.requestId(), s.deployment() == null ? "none" : s.deployment().name(), reported.problem(),
          reported.usage().promptTokens(), reported.usage().completionTokens());
    }
    Usage u = reported.usage();
    if (u.promptTokens() == 0 && u.completionTokens() == 0 && s.deployment() != null && t != null
        && t.promptEstimate > 0 && "client_closed".equals(s.outcome())) {
      // The client left before any usage was known; the provider still read the prompt.
      return new Usage(t.promptEstimate, 0, 0, 0, true);
    }
    return u;
  }

  /**
   * The call's cost. Should pricing fail, the call is charged the most its reservation allowed
   * (nothing when it reserved nothing) rather than escaping settlement.
   */
  private long cost(CallSummary s, Usage u, Ticket t) {
    if (s.deployment() == null) {
      return 0;
    }
    try {
      return (t == null ? prices : t.prices).price(s.deployment()).cost(u);
    } catch (RuntimeException e) {
      long fallback = t == null ? 0 : t.mostReserved();
      LOG.error("pricing request {} failed; charged its reservation of {} nano-dollars", s.requestId(), fallback, e);
      return fallback;
    }
  }

  /** Requests admitted and not yet finished. */
  public int inFlight() {
    return inFlight.size();
  }

  public BudgetLedger ledger() {
    return ledger;
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
