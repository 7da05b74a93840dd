package dev.portcullis.guard;

import dev.portcullis.config.GuardConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * Guard cost per KB of text (bench/guard.sh runs it; not a test), with every built-in detector
 * (high_entropy included), pseudonymising, after a warm-up: over the labelled corpus (many
 * findings), plain prose (none), and prose with dates, prices and version numbers (none, but the
 * digit patterns must look). Measured in this thread's CPU time, so that a busy machine inflates
 * it less than wall time; throughput is per core.
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
    String numbers = ("The release on 2026-12-03 costs EUR 49.90 per seat (version 3.2.1, build 20417); see page "
        + "12 of the Q4 report for the 15% discount agreed on 14 May. ").repeat(300);
    Guard g = GuardFactory.build(new GuardConfig(List.of("high_entropy"), null, null, null, "k", null,
        List.of(new GuardConfig.RuleConfig("all", null, null, null, null, null, null, null, null, "pseudonymise",
            null))));
    GuardContext ctx = GuardContext.llm("chat_completions", "m", "k", null);
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    String[][] texts = {{"corpus (many findings)", corpus.toString()}, {"prose (no findings)", prose},
        {"prose with numbers", numbers}};
    for (String[] c : texts) {
      String text = c[1];
      for (int i = 0; i < 200; i++) {
        g.session(ctx).request(text);
      }
      int rounds = 400;
      long t0 = cpu.getCurrentThreadCpuTime();
      for (int i = 0; i < rounds; i++) {
        g.session(ctx).request(text);
      }
      double nanos = (cpu.getCurrentThreadCpuTime() - t0) / (double) rounds;
      double kb = text.length() / 1024.0;
      System.out.printf("%-24s %7.1f KB  %8.1f us/KB  %6.1f MB/s per core%n", c[0], kb, nanos / kb / 1000,
          text.length() / (nanos / 1e9) / 1e6);
    }
  }
}
