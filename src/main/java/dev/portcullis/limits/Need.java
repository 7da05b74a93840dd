package dev.portcullis.limits;

import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What one call needs of its scopes: tokens for token-rate limits and an amount for budgets.
 * Each is worked out at most once and only when a scope asks (counting a prompt's tokens costs
 * time; a call without token limits or budgets never pays it).
 */
abstract class Need {
  /** Completion tokens assumed for a request that sets no max_tokens. */
  static final long DEFAULT_COMPLETION_ESTIMATE = 1024;
  /** The fewest completion tokens a budget reservation assumes for a request without max_tokens. */
  static final long MIN_COMPLETION_ESTIMATE = 16;

  private long tokens = -1;
  private long budget = -1;

  /** The tokens to reserve on token-rate limits. */
  final long tokens() {
    if (tokens < 0) {
      tokens = computeTokens();
    }
    return tokens;
  }

  /** The amount (nano-dollars) to reserve on every budget. */
  final long budget() {
    if (budget < 0) {
      budget = computeBudget();
    }
    return budget;
  }

  abstract long computeTokens();

  abstract long computeBudget();

  /** For a budget refusal: what the reserved amount pays for. */
  abstract String pays();

  /** The prompt tokens estimated for the call, or -1 when nothing asked for them. */
  long promptEstimate() {
    return -1;
  }

  /** A tool call (or any call with a fixed price): no tokens, its price reserved on budgets. */
  static Need fixed(long priceNanos) {
    return new Need() {
      @Override
      long computeTokens() {
        return 0;
      }

      @Override
      long computeBudget() {
        return Math.max(0, priceNanos);
      }

      @Override
      String pays() {
        return "its price";
      }
    };
  }

  /**
   * A model call: its prompt (counted on first need) plus the completion it may write, priced at
   * the most any deployment of the model charges (looked up on first need).
   *
   * @param scopes the call's scopes: without max_tokens, the budget reservation assumes what the
   *     tightest of their budgets can still pay for
   */
  static Need model(LongSupplier promptTokens, long maxTokens, long choices, Supplier<PriceTable.Price> admissionPrice,
      List<Scope> scopes, long now) {
    return new Need() {
      private long prompt = -1;
      private long paidCompletion = -1;
      private PriceTable.Price price;

      private PriceTable.Price price() {
        if (price == null) {
          price = admissionPrice.get();
        }
        return price;
      }

      @Override
      long promptEstimate() {
        return prompt;
      }

      private long prompt() {
        if (prompt < 0) {
          prompt = Math.max(0, promptTokens.getAsLong());
        }
        return prompt;
      }

      @Override
      long computeTokens() {
        return Saturating.add(prompt(), completionReservation(maxTokens, choices, price().maxOutputTokens()));
      }

      @Override
      long computeBudget() {
        long p = prompt();
        PriceTable.Price price = price();
        if (maxTokens > 0) {
          paidCompletion = completionReservation(maxTokens, choices, price.maxOutputTokens());
        } else {
          long tightest = Long.MAX_VALUE;
          for (Scope s : scopes) {
            tightest = Math.min(tightest, s.budgetLeft(now));
          }
          paidCompletion = completionReservation(budgetCompletion(price, p, tightest), choices,
              price.maxOutputTokens());
        }
        return price.bound(p, paidCompletion);
      }

      @Override
      String pays() {
        return "its prompt and up to " + paidCompletion + " output tokens";
      }
    };
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
}
