package dev.portcullis.guard;

import dev.portcullis.config.GuardConfig;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The guard on a request text, as the LLM path calls it: a fresh session per request (the plan
 * comes from the guard's cache), every PII detector, pseudonymise. Four texts of about 1 KB: prose
 * with nothing to find (the common case, where the candidate patterns cost), the same with dates,
 * prices and version numbers (which the digit patterns must look at), prose with colons and links
 * as answers are written (which the IPv6 pattern must look at), and text dense with personal data
 * (where validation and replacement cost).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GuardScanBench {
  static final String PROSE_1KB = ("The quarterly review covers revenue, hiring and the roadmap for the next two "
      + "releases. Teams should send their updates before Friday so that the summary can go out on Monday. ")
      .repeat(6).substring(0, 1024);
  /** Prose as agents send it: dates, prices, versions, page numbers, and still nothing to find. */
  static final String NUMBERS_PROSE_1KB = ("The release on 2026-12-03 costs EUR 49.90 per seat (version 3.2.1, build "
      + "20417); see page 12 of the Q4 report for the 15% discount agreed on 14 May. ").repeat(8).substring(0, 1024);
  /** An answer's prose: headings and links end or hold a colon, and still nothing to find. */
  static final String COLON_PROSE_1KB = ("Summary: the review covers revenue and hiring. Next steps: send updates "
      + "before Friday, see https://example.com/roadmap for details. Note: the meeting moved. ").repeat(8)
      .substring(0, 1024);
  static final String DENSE_PII_1KB = ("Contact jane.doe@example.com or +44 20 7946 0958, IBAN DE89 3704 0044 0532 "
      + "0130 00, card 4111 1111 1111 1111, SSN 078-05-1120, NINO QQ 12 34 56 C. ")
      .repeat(8).substring(0, 1024);

  private Guard guard;
  private GuardContext context;

  @Setup
  public void setUp() {
    guard = GuardFactory.build(new GuardConfig(null, null, null, null, "bench-hash-key", null,
        List.of(new GuardConfig.RuleConfig("pii", null, null, null, null, null, null, null, List.of("pii"),
            "pseudonymise", "both"))));
    context = GuardContext.llm("chat_completions", "bench", "bench-key", null);
    if (!guard.session(context).request(PROSE_1KB).equals(PROSE_1KB)) {
      throw new IllegalStateException("the prose is meant to have nothing to find");
    }
    if (!guard.session(context).request(NUMBERS_PROSE_1KB).equals(NUMBERS_PROSE_1KB)) {
      throw new IllegalStateException("the prose with numbers is meant to have nothing to find");
    }
    if (!guard.session(context).request(COLON_PROSE_1KB).equals(COLON_PROSE_1KB)) {
      throw new IllegalStateException("the prose with colons is meant to have nothing to find");
    }
    if (guard.session(context).request(DENSE_PII_1KB).contains("jane.doe@example.com")) {
      throw new IllegalStateException("the dense text is meant to be pseudonymised");
    }
  }

  @Benchmark
  public String prose1KbNothingFound() {
    return guard.session(context).request(PROSE_1KB);
  }

  @Benchmark
  public String numbersProse1KbNothingFound() {
    return guard.session(context).request(NUMBERS_PROSE_1KB);
  }

  @Benchmark
  public String colonProse1KbNothingFound() {
    return guard.session(context).request(COLON_PROSE_1KB);
  }

  @Benchmark
  public String densePii1KbPseudonymised() {
    return guard.session(context).request(DENSE_PII_1KB);
  }
}
