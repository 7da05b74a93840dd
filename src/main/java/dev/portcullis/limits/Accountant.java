package dev.portcullis.limits;

import dev.portcullis.config.LimitsConfig;
import dev.portcullis.identity.Principal;
import dev.portcullis.identity.VirtualKey;
import dev.portcullis.llm.CallSummary;
import dev.portcullis.llm.Usage;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one entry point of the limits: admits a call (a model call or an MCP request, from any
 * surface) against every scope it counts against (its key's, its team's, its persona's, its
 * user's and, for MCP, the matching tool rules': allowed models, parallel requests, RPM, TPM,
 * budgets) and accounts for it when it finishes: cost from the price table (or the tool's
 * price), settlement of every reservation, and a usage record for the store. Knows nothing of
 * HTTP. Every call runs on event loops and never blocks.
 *
 * <p>Every number reaching this arithmetic is bounded first: max_tokens is capped at the model's
 * output limit, an upstream's usage is held to sane counts ({@link ReportedUsage}), sums saturate
 * ({@link Saturating}). Admission and settlement go through a {@link CompensationStack}, which
 * gives back every slot and reservation on every path; the usage record is written even when a
 * step of settlement fails.
 */
public final class Accountant {
  private static final Logger LOG = LoggerFactory.getLogger(Accountant.class);

  /** Completion tokens assumed for a request that sets no max_tokens. */
  public static final long DEFAULT_COMPLETION_ESTIMATE = Need.DEFAULT_COMPLETION_ESTIMATE;
  /** The fewest completion tokens a budget reservation assumes for a request without max_tokens. */
  public static final long MIN_COMPLETION_ESTIMATE = Need.MIN_COMPLETION_ESTIMATE;

  private final PriceLookup prices;
  private final BudgetLedger ledger;
  private final UsageSink sink;
  private final PersonaLimits personaLimits;
  private final ScopeCatalog scopes;
  private final SharedLimits shared;
  private final ConcurrentHashMap<String, Ticket> inFlight = new ConcurrentHashMap<>();

  public Accountant(PriceLookup prices, BudgetLedger ledger, UsageSink sink) {
    this(prices, ledger, sink, PersonaLimits.none());
  }

  public Accountant(PriceLookup prices, BudgetLedger ledger, UsageSink sink, PersonaLimits personaLimits) {
    this(prices, ledger, sink, personaLimits, LimitsConfig.none());
  }

  /** @param limits per-user and per-tool limits */
  public Accountant(PriceLookup prices, BudgetLedger ledger, UsageSink sink, PersonaLimits personaLimits,
      LimitsConfig limits) {
    this(prices, ledger, sink, personaLimits, limits, SharedLimits.NONE);
  }

  /** @param shared the cluster's shared counters, or {@link SharedLimits#NONE}: one replica, limits counted here */
  public Accountant(PriceLookup prices, BudgetLedger ledger, UsageSink sink, PersonaLimits personaLimits,
      LimitsConfig limits, SharedLimits shared) {
    this.shared = shared;
    this.prices = prices;
    this.ledger = ledger;
    this.sink = sink;
    this.personaLimits = personaLimits;
    this.scopes = new ScopeCatalog(ledger, personaLimits, limits);
  }

  /** Either a refusal or an admitted call's ticket. */
  public record Admission(Refusal refusal, Ticket ticket) {}

  /**
   * A model call: {@link #admit(Demand)} of {@link Demand#model}.
   *
   * @param promptTokens the estimated prompt tokens; asked for only when a limit needs it
   * @param maxTokens the request's max_tokens, or 0 (or less) when it set none
   * @param choices how many answers the request asks for (n), each up to maxTokens
   */
  public Admission admit(String requestId, Principal principal, String model, LongSupplier promptTokens,
      long maxTokens, long choices) {
    return admit(Demand.model(requestId, principal, model, promptTokens, maxTokens, choices));
  }

  /**
   * Admits or refuses a call against all its scopes (all must pass), reserved together. An
   * admitted model call must be finished through {@link #completed(CallSummary)} (the call
   * observer) with the same request id; an admitted MCP request through
   * {@link #completed(Ticket, String, int, long)}, or {@link Ticket#release} if it never left.
   * Nothing is held after a refusal, nor after an exception.
   */
  public Admission admit(Demand d) {
    Refusal notAllowed = modelNotAllowed(d);
    if (notAllowed != null) {
      return new Admission(notAllowed, null);
    }
    long now = System.currentTimeMillis();
    List<Scope> held = scopes.scopes(d, now);
    Need need = need(d, held, now);
    CompensationStack stack = new CompensationStack();
    Refusal refusal = stack.reserveAll(held, need, now);
    if (refusal != null) {
      return new Admission(refusal, null);
    }
    return admitted(d, need, stack);
  }

  /**
   * {@link #admit(Demand)}, wherever the limits count: in this process (one replica; the answer
   * is at once), or in the cluster's shared counters, one round trip for all scopes together.
   * Never blocks. While the shared counters cannot be reached, the call is admitted on this
   * replica's own limits ({@code cluster.fail: open}, with a warning) or refused as
   * {@link Refusal.Kind#SHARED_LIMITS_UNAVAILABLE} ({@code fail: closed}).
   */
  public Future<Admission> admission(Demand d) {
    if (!shared.enabled()) {
      return Future.succeededFuture(admit(d));
    }
    Refusal notAllowed = modelNotAllowed(d);
    if (notAllowed != null) {
      return Future.succeededFuture(new Admission(notAllowed, null));
    }
    long now = System.currentTimeMillis();
    List<Scope> held = scopes.scopes(d, now);
    Need need = need(d, held, now);
    SharedPlan plan = SharedPlan.of(held, need, now);
    if (plan.refusedBeforeAsking() != null) {
      return Future.succeededFuture(new Admission(plan.refusedBeforeAsking(), null));
    }
    if (plan.counters().isEmpty()) { // no limit to count: nothing to ask (its cost is still charged here)
      return Future.succeededFuture(admitted(d, need, new SharedHolding(shared, plan, SharedLimits.Taken.NOTHING)));
    }
    return shared.take(plan.counters()).transform(ar -> {
      if (ar.failed()) {
        if (!shared.failOpen()) {
          return Future.succeededFuture(new Admission(Refusal.sharedLimitsUnavailable(), null));
        }
        shared.degraded();
        return Future.succeededFuture(admit(d));
      }
      SharedLimits.Taken t = ar.result();
      if (t.refused() >= 0) {
        return Future.succeededFuture(new Admission(plan.refusal(t), null));
      }
      plan.taken(t);
      return Future.succeededFuture(admitted(d, need, new SharedHolding(shared, plan, t)));
    });
  }

  private static Refusal modelNotAllowed(Demand d) {
    Principal principal = d.principal();
    VirtualKey key = principal == null ? null : principal.key();
    if (!d.isMcp() && key != null && !key.allows(d.model())) {
      return new Refusal(Refusal.Kind.MODEL_NOT_ALLOWED,
          "This API key is not allowed to use model `" + d.model() + "` (allowed: " + String.join(", ", key.models())
              + ").", -1, null).in(Scope.KEY, key.id());
    }
    return null;
  }

  private Need need(Demand d, List<Scope> held, long now) {
    return d.isMcp() ? Need.fixed(d.priceNanos())
        : Need.model(d.promptTokens(), d.maxTokens(), d.choices(), () -> prices.admissionPrice(d.model()), held, now);
  }

  private Admission admitted(Demand d, Need need, Holding holding) {
    if (d.isMcp()) {
      return new Admission(null, new Ticket(d, need, holding, () -> { }));
    }
    Ticket t = new Ticket(d, need, holding, () -> inFlight.remove(d.requestId()));
    inFlight.put(d.requestId(), t);
    return new Admission(null, t);
  }

  /** The completion tokens to reserve (see {@link Need#completionReservation}). */
  static long completionReservation(long maxTokens, long choices, long maxOutputTokens) {
    return Need.completionReservation(maxTokens, choices, maxOutputTokens);
  }

  /**
   * Settles an admitted MCP request that went upstream (whatever came back: the tool may have
   * acted) at its price, and records its usage. Never throws.
   *
   * @param outcome ok, tool_error, error
   * @param status the JSON-RPC error code, or 0
   */
  public void completed(Ticket t, String outcome, int status, long latencyMillis) {
    long now = System.currentTimeMillis();
    Demand d = t.demand;
    try {
      t.settle(0, d.priceNanos(), now);
    } catch (RuntimeException e) {
      LOG.error("settling MCP request {} failed in part; every other part was settled", d.requestId(), e);
    }
    Principal p = t.principal;
    try {
      sink.record(new UsageRecord(d.requestId(), now, p == null ? null : p.id(),
          p == null || p.team() == null ? null : p.team().id(), UsageRecord.MCP_PREFIX + d.server(), null,
          UsageRecord.MCP_PROVIDER, d.method(), false, status,
          outcome, 0, 0, 0, 0, false, d.priceNanos(), latencyMillis,
          p == null || p.persona() == null ? null : p.persona().name(), d.item()));
    } catch (RuntimeException e) {
      LOG.error("the usage record of MCP request {} could not be written", d.requestId(), e);
    }
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
        && t.promptEstimate() > 0 && "client_closed".equals(s.outcome())) {
      // The client left before any usage was known; the provider still read the prompt.
      return new Usage(t.promptEstimate(), 0, 0, 0, true);
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
      return prices.price(s.deployment()).cost(u);
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

  public static String usd(long nanos) {
    return BudgetScope.usd(nanos);
  }
}
