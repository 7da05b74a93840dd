package dev.portcullis.limits;

import dev.portcullis.identity.Principal;
import dev.portcullis.identity.Team;
import dev.portcullis.identity.VirtualKey;
import dev.portcullis.llm.CallSummary;
import dev.portcullis.llm.Usage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Admits LLM requests against their key's limits (allowed models, parallel requests, RPM, TPM,
 * key and team budgets), and accounts for them when they finish: cost from the price table,
 * settlement of every reservation, and a usage record for the store. Knows nothing of HTTP.
 * Both calls run on event loops and never block.
 */
public final class Accountant {
  /** Completion tokens assumed for a request that sets no max_tokens. */
  public static final long DEFAULT_COMPLETION_ESTIMATE = 1024;

  private final PriceTable prices;
  private final BudgetLedger ledger;
  private final UsageSink sink;
  private final ConcurrentHashMap<String, KeyLimiter> limiters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Ticket> inFlight = new ConcurrentHashMap<>();

  public Accountant(PriceTable prices, BudgetLedger ledger, UsageSink sink) {
    this.prices = prices;
    this.ledger = ledger;
    this.sink = sink;
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

    /** The key's rate limits after this admission (for x-ratelimit-* headers), or null. */
    public RateState rate() {
      return rate;
    }
  }

  /** Either a refusal or an admitted request's ticket. */
  public record Admission(Refusal refusal, Ticket ticket) {}

  /**
   * Admits or refuses a request. An admitted request must be finished through
   * {@link #completed} (the call observer) with the same request id.
   *
   * @param promptTokens the estimated prompt tokens; asked for only when a limit needs it
   * @param maxTokens the request's max_tokens, or 0 when it set none
   */
  public Admission admit(String requestId, Principal principal, String model, LongSupplier promptTokens,
      long maxTokens) {
    VirtualKey key = principal == null ? null : principal.key();
    if (key == null) {
      Ticket t = new Ticket(principal, null, -1, 0, null, 0, null, 0, null);
      inFlight.put(requestId, t);
      return new Admission(null, t);
    }
    if (!key.allows(model)) {
      return new Admission(new Refusal(Refusal.Kind.MODEL_NOT_ALLOWED,
          "This API key is not allowed to use model `" + model + "` (allowed: " + String.join(", ", key.models())
              + ").", -1, null), null);
    }
    long now = System.currentTimeMillis();
    KeyLimiter limiter = limiter(key);
    if (!limiter.tryEnter()) {
      return new Admission(new Refusal(Refusal.Kind.PARALLEL_REQUESTS, "Too many parallel requests for this"
          + " API key: limit " + key.maxParallel() + ". Wait for one to finish.", 1_000_000_000L, limiter.state()),
          null);
    }
    long wait = limiter.takeRequest();
    if (wait >= 0) {
      limiter.exit();
      return new Admission(new Refusal(Refusal.Kind.REQUESTS_PER_MINUTE, "Rate limit reached for this API key on"
          + " requests per min (RPM): Limit " + key.rpm() + ". Please try again in " + seconds(wait) + ".",
          wait, limiter.state()), null);
    }
    Team team = principal.team();
    boolean needPrompt = limiter.hasTokenLimit() || key.budgetNanos() != null
        || team != null && team.budgetNanos() != null;
    long prompt = needPrompt ? promptTokens.getAsLong() : -1;
    long completion = maxTokens > 0 ? maxTokens : DEFAULT_COMPLETION_ESTIMATE;
    long tokens = limiter.hasTokenLimit() ? prompt + completion : 0;
    wait = limiter.takeTokens(tokens);
    if (wait >= 0) {
      limiter.giveBackRequest();
      limiter.exit();
      String msg = wait == Long.MAX_VALUE
          ? "Request too large for this API key's tokens per min (TPM): Limit " + key.tpm() + ", Requested "
              + tokens + ". Lower max_tokens or the prompt."
          : "Rate limit reached for this API key on tokens per min (TPM): Limit " + key.tpm() + ", Requested "
              + tokens + ". Please try again in " + seconds(wait) + ".";
      return new Admission(new Refusal(Refusal.Kind.TOKENS_PER_MINUTE, msg,
          wait == Long.MAX_VALUE ? -1 : wait, limiter.state()), null);
    }
    long bound = needPrompt ? prices.admissionPrice(model).bound(prompt, completion) : 0;
    BudgetLedger.Account keyAccount = ledger.account(BudgetLedger.KEY, key.id(), now);
    long keyReserved = 0;
    if (key.budgetNanos() != null) {
      Period p = period(key.budgetPeriod());
      if (!keyAccount.tryReserve(p, key.budgetNanos(), bound, now)) {
        undo(limiter, tokens);
        return new Admission(budgetRefusal(Refusal.Kind.KEY_BUDGET, "API key", key.budgetNanos(), p, now,
            limiter.state()), null);
      }
      keyReserved = bound;
    }
    BudgetLedger.Account teamAccount = null;
    long teamReserved = 0;
    if (team != null) {
      teamAccount = ledger.account(BudgetLedger.TEAM, team.id(), now);
      if (team.budgetNanos() != null) {
        Period p = period(team.budgetPeriod());
        if (!teamAccount.tryReserve(p, team.budgetNanos(), bound, now)) {
          keyAccount.release(keyReserved);
          undo(limiter, tokens);
          return new Admission(budgetRefusal(Refusal.Kind.TEAM_BUDGET, "team '" + team.name() + "'",
              team.budgetNanos(), p, now, limiter.state()), null);
        }
        teamReserved = bound;
      }
    }
    Ticket t = new Ticket(principal, limiter, prompt, tokens, keyAccount, keyReserved, teamAccount, teamReserved,
        limiter.rpm == null && limiter.tpm == null ? null : limiter.state());
    inFlight.put(requestId, t);
    return new Admission(null, t);
  }

  private static void undo(KeyLimiter limiter, long tokens) {
    limiter.settleTokens(tokens, 0);
    limiter.giveBackRequest();
    limiter.exit();
  }

  private static Refusal budgetRefusal(Refusal.Kind kind, String who, long limit, Period p, long now,
      RateState rate) {
    long end = p.end(p.start(now));
    String per = p == Period.TOTAL ? "" : " per " + p.id();
    return new Refusal(kind, "Budget exceeded for " + who + ": $" + usd(limit) + per
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
      if (t.principal != null) {
        keyId = t.principal.id();
        teamId = t.principal.team() == null ? null : t.principal.team().id();
      }
    }
    sink.record(new UsageRecord(s.requestId(), now, keyId, teamId, s.model(),
        s.deployment() == null ? null : s.deployment().name(),
        s.deployment() == null ? null : s.deployment().provider(), s.endpoint().name().toLowerCase(),
        s.stream(), s.status(), s.outcome(), u.promptTokens(), u.completionTokens(), u.cachedTokens(),
        u.reasoningTokens(), estimated, cost, s.durationNanos() / 1_000_000));
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
