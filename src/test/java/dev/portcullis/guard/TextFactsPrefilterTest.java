package dev.portcullis.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The detectors' prefilters ({@link Detector#possibleIn}) must be necessary conditions: whenever a
 * detector finds something in a text, its prefilter must have let the text through. Checked on
 * both corpora (every record and every line), on windows cut from them at every offset, and on
 * random strings built from the characters the patterns care about. And the search that tries only
 * the positions a match can start at ({@link Candidates}) must find what {@code find()} finds.
 */
class TextFactsPrefilterTest {
  private static final List<Detector> DETECTORS = BuiltInDetectors.all(BuiltInDetectors.DEFAULT_PHONE_REGIONS, 20, 4.0)
      .values().stream().flatMap(List::stream).toList();

  @Test
  void aPrefilterNeverSkipsATextItsDetectorFindsSomethingIn() throws IOException {
    List<String> texts = texts();
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
    for (String t : texts()) {
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

  private static List<String> texts() throws IOException {
    List<String> texts = new ArrayList<>();
    for (GuardHeldOutCorpusTest.Doc d : GuardHeldOutCorpusTest.corpus()) {
      texts.add(NormalizedText.of(d.text()).text);
    }
    for (String f : new String[] {"corpus-app.log", "corpus-chat.txt", "corpus-config.txt", "corpus-customers.csv",
        "corpus-misc.txt", "corpus-tool-results.jsonl"}) {
      try (InputStream in = TextFactsPrefilterTest.class.getResourceAsStream("/guard/" + f)) {
        texts.addAll(List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")));
      }
    }
    List<String> windows = new ArrayList<>();
    for (String t : texts) {
      // tight windows: a match that fills its text is where a wrong width or count would show
      for (int width : new int[] {8, 11, 15, 23, 34}) {
        for (int i = 0; i + width <= t.length(); i += 7) {
          windows.add(t.substring(i, i + width));
        }
      }
    }
    texts.addAll(windows);
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
  }
}
