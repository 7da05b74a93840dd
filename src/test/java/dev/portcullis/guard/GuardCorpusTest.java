package dev.portcullis.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Precision and recall of every built-in detector on the labelled corpus in
 * src/test/resources/guard (chat messages in several languages, JSON tool results, logs, CSV,
 * configuration files). Prints the table (copied into docs/guardrails.md) and holds every
 * detector to recall >= 0.95 and precision >= 0.90.
 */
class GuardCorpusTest {
  static final String[] FILES = {"corpus-chat.txt", "corpus-tool-results.jsonl", "corpus-app.log",
      "corpus-customers.csv", "corpus-config.txt", "corpus-misc.txt"};

  record Label(String detector, int start, int end) {}

  record Doc(String name, String text, List<Label> labels) {}

  static Doc parse(String name, String marked) {
    StringBuilder text = new StringBuilder(marked.length());
    List<Label> labels = new ArrayList<>();
    int i = 0;
    while (i < marked.length()) {
      int open = marked.indexOf("{{", i);
      if (open < 0) {
        text.append(marked, i, marked.length());
        break;
      }
      text.append(marked, i, open);
      int colon = marked.indexOf(':', open);
      int close = marked.indexOf("}}", colon);
      String detector = marked.substring(open + 2, colon);
      String value = marked.substring(colon + 1, close);
      labels.add(new Label(detector, text.length(), text.length() + value.length()));
      text.append(value);
      i = close + 2;
    }
    return new Doc(name, text.toString(), labels);
  }

  static List<Doc> corpus() throws IOException {
    List<Doc> docs = new ArrayList<>();
    for (String f : FILES) {
      try (InputStream in = GuardCorpusTest.class.getResourceAsStream("/guard/" + f)) {
        String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        // one document per paragraph (chat, config) or per line (jsonl, log, csv)
        String[] parts = f.endsWith(".txt") ? all.split("\n\n") : all.split("\n");
        for (String p : parts) {
          if (!p.isBlank()) {
            docs.add(parse(f, p));
          }
        }
      }
    }
    return docs;
  }

  static boolean sameSpan(int s1, int e1, int s2, int e2) {
    int inter = Math.min(e1, e2) - Math.max(s1, s2);
    return inter > 0 && inter >= 0.8 * (e1 - s1) && inter >= 0.8 * (e2 - s2);
  }

  @Test
  void everyBuiltInDetectorMeetsTheTargets() throws IOException {
    List<Detector> all = new ArrayList<>();
    BuiltInDetectors.all(BuiltInDetectors.DEFAULT_PHONE_REGIONS, 20, 3.5).values().forEach(all::addAll);
    Scanner scanner = new Scanner(all);
    Map<String, int[]> counts = new TreeMap<>(); // tp, fp, fn
    for (String name : BuiltInDetectors.all(List.of("US"), 20, 4.0).keySet()) {
      counts.put(name, new int[3]);
    }
    List<String> misses = new ArrayList<>();
    long chars = 0;
    for (Doc doc : corpus()) {
      chars += doc.text().length();
      List<Finding> found = scanner.scan(doc.text());
      boolean[] matched = new boolean[doc.labels().size()];
      for (Finding f : found) {
        int hit = -1;
        for (int i = 0; i < doc.labels().size(); i++) {
          Label l = doc.labels().get(i);
          if (!matched[i] && l.detector().equals(f.detector()) && sameSpan(l.start(), l.end(), f.start(), f.end())) {
            hit = i;
            break;
          }
        }
        if (hit >= 0) {
          matched[hit] = true;
          counts.get(f.detector())[0]++;
        } else {
          counts.get(f.detector())[1]++;
          misses.add("FP " + f.detector() + " '" + doc.text().substring(f.start(), f.end()) + "' in " + doc.name());
        }
      }
      for (int i = 0; i < matched.length; i++) {
        if (!matched[i]) {
          Label l = doc.labels().get(i);
          counts.get(l.detector())[2]++;
          misses.add("FN " + l.detector() + " '" + doc.text().substring(l.start(), l.end()) + "' in " + doc.name());
        }
      }
    }
    StringBuilder report = new StringBuilder("\n| detector | labels | true pos. | false pos. | false neg. | precision | recall |\n"
        + "|---|---:|---:|---:|---:|---:|---:|\n");
    List<String> failing = new ArrayList<>();
    for (var e : counts.entrySet()) {
      int tp = e.getValue()[0];
      int fp = e.getValue()[1];
      int fn = e.getValue()[2];
      double precision = tp + fp == 0 ? 1.0 : tp / (double) (tp + fp);
      double recall = tp + fn == 0 ? 1.0 : tp / (double) (tp + fn);
      report.append(String.format("| %s | %d | %d | %d | %d | %.3f | %.3f |%n", e.getKey(), tp + fn, tp, fp, fn,
          precision, recall));
      if (tp + fn == 0 || precision < 0.9 || recall < 0.95) {
        failing.add(e.getKey());
      }
    }
    report.append("\ncorpus: ").append(chars).append(" characters\n");
    System.out.println(report);
    misses.forEach(System.out::println);
    assertThat(failing).as("detectors below recall 0.95 / precision 0.90 (or without labels)").isEmpty();
  }
}
