package dev.portcullis.guard;

import dev.portcullis.config.GuardConfig;
import java.util.List;

/**
 * Guard cost per KB of text (bench/guard.sh runs it; not a test): scans the labelled corpus,
 * and plain prose with no findings, with every built-in detector, after a warm-up.
 */
public final class GuardBench {
  private GuardBench() {}

  public static void main(String[] args) throws Exception {
    StringBuilder corpus = new StringBuilder();
    for (GuardCorpusTest.Doc d : GuardCorpusTest.corpus()) {
      corpus.append(d.text()).append('\n');
    }
    String prose = ("The quarterly review covers revenue, hiring and the roadmap for the next two releases. "
        + "Teams should send their updates before Friday so that the summary can go out on Monday. ").repeat(300);
    Guard g = GuardFactory.build(new GuardConfig(List.of("high_entropy"), null, null, null, "k", null,
        List.of(new GuardConfig.RuleConfig("all", null, null, null, null, null, null, null, null, "pseudonymise",
            null))));
    GuardContext ctx = GuardContext.llm("chat_completions", "m", "k", null);
    for (String[] c : new String[][] {{"corpus (many findings)", corpus.toString()}, {"prose (no findings)", prose}}) {
      String text = c[1];
      for (int i = 0; i < 200; i++) {
        g.session(ctx).request(text);
      }
      int rounds = 400;
      long t0 = System.nanoTime();
      for (int i = 0; i < rounds; i++) {
        g.session(ctx).request(text);
      }
      double nanos = (System.nanoTime() - t0) / (double) rounds;
      double kb = text.length() / 1024.0;
      System.out.printf("%-24s %7.1f KB  %8.1f us/KB  %6.1f MB/s%n", c[0], kb, nanos / kb / 1000,
          text.length() / (nanos / 1e9) / 1e6);
    }
  }
}
