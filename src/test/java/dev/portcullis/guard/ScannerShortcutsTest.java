package dev.portcullis.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The guard's shortcuts change its speed, never its findings. The detectors' prefilters ({@link Detector#possibleIn}) must be necessary conditions: whenever a
 * detector finds something in a text, its prefilter must have let the text through. Checked on
 * both corpora (every record and every line), on windows cut from them at every offset, and on
 * random strings built from the characters the patterns care about. And the search that tries only
 * the positions a match can start at ({@link Candidates}) must find what {@code find()} finds. And
 * the scanner, which settles overlaps as it goes so that a detector can skip what a finding of
 * higher priority owns, must keep exactly what settling every detector's findings at the end keeps.
 */
class ScannerShortcutsTest {
  private static final List<Detector> DETECTORS = BuiltInDetectors.all(BuiltInDetectors.DEFAULT_PHONE_REGIONS, 20, 4.0)
      .values().stream().flatMap(List::stream).toList();

  @Test
  void aPrefilterNeverSkipsATextItsDetectorFindsSomethingIn() throws IOException {
    List<String> texts = texts(true);
    int skipped = 0;
    List<Finding> found = new ArrayList<>();
    for (String t : texts) {
      TextFacts facts = new TextFacts(t);
      for (Detector d : DETECTORS) {
        if (d.possibleIn(facts)) {
          continue;
        }
        skipped++;
        found.clear();
        d.detect(t, found);
        assertThat(found).as("%s skipped %s", d.name(), t).isEmpty();
      }
    }
    // the prefilters do skip: otherwise this test would prove nothing
    assertThat(skipped).isGreaterThan(texts.size());
  }

  /** Trying only the positions a match can start at finds exactly what find() finds. */
  @Test
  void candidatesFindWhatFindFinds() throws IOException {
    List<Pattern> patterns = new ArrayList<>();
    List<IntPredicate> starts = new ArrayList<>();
    for (Detector d : DETECTORS) {
      if (d instanceof RegexDetector r && r.canStart() != null) {
        patterns.add(r.pattern());
        starts.add(r.canStart());
      }
    }
    patterns.add(PhoneDetector.CANDIDATE);
    starts.add(PhoneDetector.CAN_START);
    patterns.add(IbanDetector.CANDIDATE);
    starts.add(IbanDetector.CAN_START);
    int matches = 0;
    for (String t : texts(true)) {
      for (int i = 0; i < patterns.size(); i++) {
        List<String> expected = new ArrayList<>();
        Matcher m = patterns.get(i).matcher(t);
        while (m.find()) {
          expected.add(m.start() + "-" + m.end());
        }
        List<String> actual = new ArrayList<>();
        Candidates c = new Candidates(patterns.get(i), t, starts.get(i));
        while (c.next()) {
          actual.add(c.match().start() + "-" + c.match().end());
        }
        assertThat(actual).as("%s in %s", patterns.get(i), t).isEqualTo(expected);
        matches += expected.size();
      }
    }
    assertThat(matches).isGreaterThan(1000);
  }

  @Test
  void theScannerKeepsWhatSettlingAllFindingsAtTheEndKeeps() throws IOException {
    Scanner scanner = new Scanner(DETECTORS);
    int findings = 0;
    for (String t : texts(false)) {
      String text = NormalizedText.of(t).text;
      record Ranked(Finding finding, int priority) {}
      List<Ranked> all = new ArrayList<>();
      for (Detector d : DETECTORS) {
        List<Finding> found = new ArrayList<>();
        d.detect(text, found);
        found.forEach(f -> all.add(new Ranked(f, d.priority())));
      }
      all.sort(Comparator.comparingInt((Ranked r) -> -r.priority)
          .thenComparingInt(r -> -r.finding.length()).thenComparingInt(r -> r.finding.start()));
      List<Finding> expected = new ArrayList<>();
      for (Ranked r : all) {
        if (expected.stream().noneMatch(k -> k.overlaps(r.finding))) {
          expected.add(r.finding);
        }
      }
      expected.sort(Comparator.comparingInt(Finding::start));
      assertThat(scanner.scan(text)).as(text).isEqualTo(expected);
      findings += expected.size();
    }
    assertThat(findings).isGreaterThan(500);
  }

  /** Both corpora, random strings, and (with {@code windows}) short windows cut from the corpora. */
  private static List<String> texts(boolean windows) throws IOException {
    List<String> texts = new ArrayList<>();
    for (GuardHeldOutCorpusTest.Doc d : GuardHeldOutCorpusTest.corpus()) {
      texts.add(NormalizedText.of(d.text()).text);
    }
    for (String f : new String[] {"corpus-app.log", "corpus-chat.txt", "corpus-config.txt", "corpus-customers.csv",
        "corpus-misc.txt", "corpus-tool-results.jsonl"}) {
      try (InputStream in = ScannerShortcutsTest.class.getResourceAsStream("/guard/" + f)) {
        texts.addAll(List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")));
      }
    }
    List<String> cut = new ArrayList<>();
    for (String t : windows ? texts : List.<String>of()) {
      // tight windows: a match that fills its text is where a wrong width or count would show
      for (int width : new int[] {8, 11, 15, 23, 34}) {
        for (int i = 0; i + width <= t.length(); i += 11) {
          cut.add(t.substring(i, i + width));
        }
      }
    }
    texts.addAll(cut);
    Random random = new Random(20261203);
    String alphabet = "0123456789 -.()/+:@ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_=\"'\n";
    for (int i = 0; i < 5_000; i++) {
      StringBuilder sb = new StringBuilder();
      int n = 6 + random.nextInt(40);
      for (int k = 0; k < n; k++) {
        sb.append(random.nextInt(3) == 0 ? (char) ('0' + random.nextInt(10)) : alphabet.charAt(random.nextInt(alphabet.length())));
      }
      texts.add(sb.toString());
    }
    // hex digits and colons, where IPv6 addresses (and near misses) are dense
    String hex = "0123456789abcdefABCDEF::::. gx";
    for (int i = 0; i < 2_000; i++) {
      StringBuilder sb = new StringBuilder();
      int n = 4 + random.nextInt(40);
      for (int k = 0; k < n; k++) {
        sb.append(hex.charAt(random.nextInt(hex.length())));
      }
      texts.add(sb.toString());
    }
    return texts;
  }

  @Test
  void digitsWithinCountsDigitsInAnyWindow() {
    TextFacts facts = new TextFacts("call 12 34-56 now, or 7");
    assertThat(facts.digitsWithin(6, 8)).isTrue();
    assertThat(facts.digitsWithin(6, 7)).isFalse();
    assertThat(facts.digitsWithin(7, 100)).isTrue();
    assertThat(facts.digitsWithin(8, 100)).isFalse();
    assertThat(facts.longestDigitRun()).isEqualTo(2);
    assertThat(new TextFacts("IBAN DE89 3704").hasCapitalsThenDigits(false)).isTrue();
    assertThat(new TextFacts("NINO QQ 12 34 56 C").hasCapitalsThenDigits(true)).isTrue();
    assertThat(new TextFacts("NINO QQ 12 34 56 C").hasCapitalsThenDigits(false)).isFalse();
    assertThat(new TextFacts("at 10.0.0.1 ok").digitDotDigitsWithin(3, 15)).isTrue();
    assertThat(new TextFacts("v3.2.1 and then 4.5").digitDotDigitsWithin(3, 15)).isFalse();
    assertThat(new TextFacts("de89 D8E9").hasCapitalsThenDigits(false)).isFalse();
    assertThat(new TextFacts("My AWS key").containsAnyIgnoringCase("aws")).isTrue();
    assertThat(new TextFacts("host fe80::1 up").colonsAroundHex(4)).isTrue();
    assertThat(new TextFacts("at 2001:db8:85a3 now").colonsAroundHex(4)).isTrue();
    assertThat(new TextFacts("Note: see https://example.com at 10:30").colonsAroundHex(4)).isFalse();
    assertThat(new TextFacts("a:12345:b").colonsAroundHex(4)).isFalse();
    assertThat(new TextFacts("a:1234:b").colonsAroundHex(4)).isTrue();
  }
}
