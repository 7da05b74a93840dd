package dev.portcullis.limits;

import dev.portcullis.llm.Usage;

/**
 * An upstream's usage report made fit to charge: every count held between 0 and
 * {@link #MAX_TOKENS_PER_CALL}, and the parts (cached, cache-written, reasoning) within their whole.
 * A negative count would refund a budget and an absurd one would overflow the cost; neither is
 * believed, and {@code problem} says what was wrong so that the caller can log it.
 *
 * @param problem what was out of range in the report, or null when nothing was
 */
record ReportedUsage(Usage usage, String problem) {
  /**
   * More tokens than any model reads and writes in one call (context windows are millions of
   * tokens at most); a report above it is an upstream fault, charged as this many.
   */
  static final long MAX_TOKENS_PER_CALL = 1_000_000_000L;

  static ReportedUsage of(Usage u) {
    StringBuilder problem = new StringBuilder();
    long prompt = bounded("prompt", u.promptTokens(), problem);
    long completion = bounded("completion", u.completionTokens(), problem);
    long cached = Math.min(bounded("cached", u.cachedTokens(), problem), prompt);
    long written = Math.min(bounded("cache-write", u.cacheWriteTokens(), problem), prompt - cached);
    long reasoning = Math.min(bounded("reasoning", u.reasoningTokens(), problem), completion);
    if (problem.length() == 0) {
      return new ReportedUsage(u, null);
    }
    return new ReportedUsage(new Usage(prompt, completion, cached, reasoning, u.estimated(), written),
        problem.toString());
  }

  private static long bounded(String what, long n, StringBuilder problem) {
    if (n >= 0 && n <= MAX_TOKENS_PER_CALL) {
      return n;
    }
    if (problem.length() > 0) {
      problem.append(", ");
    }
    problem.append(what).append(" tokens ").append(n);
    return n < 0 ? 0 : MAX_TOKENS_PER_CALL;
  }
}
