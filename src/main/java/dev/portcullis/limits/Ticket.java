package dev.portcullis.limits;

import dev.portcullis.identity.Principal;

/**
 * What a request holds from admission until it finishes: parallel slots, a request and tokens
 * taken from the key's and the persona's rate buckets, and budget reservations of its key, team
 * and persona. Admission fills it in step by step; whatever was taken is given back exactly once,
 * by {@link #settle} (the call finished) or {@link #cancel} (admission refused or failed), every
 * part even when another part fails.
 */
public final class Ticket {
  final Principal principal;
  final Hold key;
  final Hold persona;
  /** The prices in force when the call was admitted: what it is charged by. */
  PriceLookup prices;
  /** The prompt estimate, or -1 when no limit needed one. */
  long promptEstimate = -1;
  RateState rate;
  final Reservation keyBudget = new Reservation();
  final Reservation teamBudget = new Reservation();
  final Reservation personaBudget = new Reservation();
  private boolean givenBack;

  Ticket(Principal principal, KeyLimiter keyLimiter, KeyLimiter personaLimiter) {
    this.principal = principal;
    this.key = new Hold(keyLimiter);
    this.persona = new Hold(personaLimiter);
  }

  /** The rate limits after this admission (for x-ratelimit-* headers: the tighter of key and persona), or null. */
  public RateState rate() {
    return rate;
  }

  /** The largest budget reservation held: the most the call was allowed to cost. */
  long mostReserved() {
    return Math.max(keyBudget.amount, Math.max(teamBudget.amount, personaBudget.amount));
  }

  /** Settles a finished call: tokens with the real count, budgets with the real cost; frees the slots. */
  void settle(long actualTokens, long costNanos, long now) {
    if (givenBack) {
      return;
    }
    givenBack = true;
    Unwinding u = new Unwinding();
    key.settle(u, actualTokens);
    persona.settle(u, actualTokens);
    keyBudget.settle(u, costNanos, now);
    teamBudget.settle(u, costNanos, now);
    personaBudget.settle(u, costNanos, now);
    u.finish();
  }

  /** Gives back everything taken so far, as if the request had never been admitted. */
  void cancel() {
    if (givenBack) {
      return;
    }
    givenBack = true;
    Unwinding u = new Unwinding();
    key.cancel(u);
    persona.cancel(u);
    keyBudget.release(u);
    teamBudget.release(u);
    personaBudget.release(u);
    u.finish();
  }

  /** One limiter's part: a parallel slot, a request, tokens. A null limiter holds nothing. */
  static final class Hold {
    final KeyLimiter limiter;
    private boolean entered;
    private boolean request;
    long tokens;

    Hold(KeyLimiter limiter) {
      this.limiter = limiter;
    }

    boolean hasTokenLimit() {
      return limiter != null && limiter.hasTokenLimit();
    }

    /** Takes a parallel slot; false when none is free. */
    boolean enter() {
      if (limiter == null) {
        return true;
      }
      entered = limiter.tryEnter();
      return entered;
    }

    /** Takes a request; on refusal the nanoseconds until one is available, else -1. */
    long takeRequest() {
      long wait = limiter == null ? -1 : limiter.takeRequest();
      request = limiter != null && wait < 0;
      return wait;
    }

    /** Reserves {@code n} tokens; on refusal the nanoseconds until they are available, else -1. */
    long takeTokens(long n) {
      long wait = limiter == null ? -1 : limiter.takeTokens(n);
      tokens = limiter != null && wait < 0 ? n : 0;
      return wait;
    }

    private void settle(Unwinding u, long actual) {
      if (limiter == null) {
        return;
      }
      u.run(() -> limiter.settleTokens(tokens, actual));
      u.run(this::exit);
    }

    private void cancel(Unwinding u) {
      if (limiter == null) {
        return;
      }
      u.run(() -> limiter.settleTokens(tokens, 0));
      if (request) {
        u.run(limiter::giveBackRequest);
      }
      u.run(this::exit);
    }

    private void exit() {
      if (entered) {
        entered = false;
        limiter.exit();
      }
    }
  }

  /** A budget account the call is charged to, and what was reserved on it (0: no budget there). */
  static final class Reservation {
    BudgetLedger.Account account;
    long amount;

    private void settle(Unwinding u, long cost, long now) {
      if (account != null) {
        u.run(() -> account.settle(amount, cost, now));
      }
    }

    private void release(Unwinding u) {
      if (account != null && amount != 0) {
        u.run(() -> account.release(amount));
      }
    }
  }
}
