package dev.portcullis.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.config.GuardConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Actions, the per-call vault, and stream restoring/scanning across chunk boundaries. */
class GuardSessionTest {
  static Guard guard(String action, String direction, String... detectors) {
    return GuardFactory.build(new GuardConfig(null, null, null, null, "k", List.of(
        new GuardConfig.CustomDetectorConfig("employee_id", null, "EMP-\\d{6}", null, null, null, null),
        new GuardConfig.CustomDetectorConfig("codename", "PROJECT", null, List.of("Nightjar", "Blue Heron"), null,
            null, null)),
        List.of(new GuardConfig.RuleConfig("r1", List.of("llm"), null, List.of("gpt-*"), null, null, null, null,
            detectors.length == 0 ? null : List.of(detectors), action, direction))));
  }

  static GuardSession session(Guard g) {
    return g.session(GuardContext.llm("chat_completions", "gpt-4o", "k1", "static_key"));
  }

  @Test
  void redactNumbersEachValueConsistently() {
    GuardSession s = session(guard("redact", null));
    String out = s.request("Mail anna@example.com, then bob@example.org, again anna@example.com; card 4111 1111 1111 1111");
    assertThat(out).isEqualTo("Mail [EMAIL_1], then [EMAIL_2], again [EMAIL_1]; card [CREDIT_CARD_1]");
    assertThat(s.requestTypes()).containsExactly("CREDIT_CARD", "EMAIL");
    assertThat(s.restore("[EMAIL_1]")).isEqualTo("[EMAIL_1]"); // redaction is not reversible
  }

  @Test
  void maskHashAndCustomDetectors() {
    assertThat(session(guard("mask", null)).request("card 4111111111111111")).isEqualTo("card ************1111");
    String h1 = session(guard("hash", null)).request("anna@example.com");
    String h2 = session(guard("hash", null)).request("anna@example.com");
    assertThat(h1).matches("\\[EMAIL:[0-9a-f]{12}]").isEqualTo(h2);
    assertThat(session(guard("redact", null, "employee_id", "codename")).request(
        "EMP-123456 works on project nightjar and Blue Heron, mail anna@example.com"))
        .isEqualTo("[EMPLOYEE_ID_1] works on project [PROJECT_1] and [PROJECT_2], mail anna@example.com");
  }

  @Test
  void blockNamesTheTypesNotTheValues() {
    GuardSession s = session(guard("block", null, "secrets"));
    assertThat(s.request("my mail is anna@example.com")).isEqualTo("my mail is anna@example.com");
    assertThatThrownBy(() -> s.request("key AKIAIOSFODNN7ABCDEFG"))
        .isInstanceOf(GuardBlockedException.class)
        .hasMessageContaining("AWS_ACCESS_KEY").hasMessageNotContaining("AKIA");
  }

  @Test
  void pseudonymisingBothWaysGivesTheCallerItsOwnValuesBackButHidesNewOnes() {
    GuardSession s = session(guard("pseudonymise", "both"));
    assertThat(s.request("write to anna@example.com")).isEqualTo("write to [EMAIL_1]");
    assertThat(s.response("Sent to [EMAIL_1]; cc bob@example.org")).isEqualTo("Sent to anna@example.com; cc [EMAIL_2]");
    GuardStream stream = s.stream();
    StringBuilder out = new StringBuilder();
    for (String piece : new String[] {"Done: [EM", "AIL_1] and c", "arl@example.net."}) {
      out.append(stream.push(piece));
    }
    out.append(stream.finish());
    assertThat(out.toString()).isEqualTo("Done: anna@example.com and [EMAIL_3].");
  }

  @Test
  void noRuleNoSession() {
    Guard g = guard("redact", null);
    assertThat(g.session(GuardContext.llm("chat_completions", "claude-3", "k1", null))).isNull();
    assertThat(g.session(GuardContext.mcp("tools/call", "fs", "read", "k1", null))).isNull();
  }

  @Test
  void pseudonymsComeBackAndStreamsRestoreAcrossChunks() {
    GuardSession s = session(guard("pseudonymise", null));
    String sent = s.request("Write to anna@example.com and call +44 20 7946 0958.");
    assertThat(sent).isEqualTo("Write to [EMAIL_1] and call [PHONE_1].");
    String answer = "Sure: I wrote to [EMAIL_1]; [PHONE_1] was busy. [NOT_A_PLACEHOLDER_7] [x";
    assertThat(s.response(answer)).isEqualTo(
        "Sure: I wrote to anna@example.com; +44 20 7946 0958 was busy. [NOT_A_PLACEHOLDER_7] [x");
    for (int size = 1; size <= 7; size++) {
      GuardStream stream = s.stream();
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < answer.length(); i += size) {
        out.append(stream.push(answer.substring(i, Math.min(answer.length(), i + size))));
      }
      out.append(stream.finish());
      assertThat(out.toString()).as("chunk size " + size).isEqualTo(s.response(answer));
    }
  }

  @Test
  void streamHoldsBackOnlyAnUnfinishedPlaceholder() {
    GuardSession s = session(guard("pseudonymise", null));
    s.request("anna@example.com");
    GuardStream stream = s.stream();
    assertThat(stream.push("Hello [EM")).isEqualTo("Hello ");
    assertThat(stream.push("AIL_1] and [")).isEqualTo("anna@example.com and ");
    assertThat(stream.push("nothing")).isEqualTo("[nothing");
  }

  @Test
  void responseScanningFindsMatchesSplitAcrossChunks() {
    GuardSession s = session(guard("redact", "both"));
    String text = "x".repeat(300) + " contact anna.mueller@beispiel.de or 4111-1111-1111-1111 " + "y".repeat(400);
    for (int size : new int[] {1, 5, 13, 64}) {
      GuardStream stream = s.stream();
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < text.length(); i += size) {
        out.append(stream.push(text.substring(i, Math.min(text.length(), i + size))));
      }
      out.append(stream.finish());
      assertThat(out.toString()).as("chunk size " + size).doesNotContain("anna.mueller").doesNotContain("4111")
          .contains("[EMAIL_").contains("[CREDIT_CARD_").startsWith("x".repeat(300)).endsWith("y".repeat(400));
    }
  }

  @Test
  void configurationMistakesAreNamed() {
    var problems = GuardFactory.problems(new GuardConfig(List.of("nope"), null, List.of("XX"), null, null,
        List.of(new GuardConfig.CustomDetectorConfig("bad", null, "([", null, null, null, null)),
        List.of(new GuardConfig.RuleConfig("r", List.of("web"), null, null, null, null, null, null, List.of("emails"),
            "shred", "sideways"))));
    assertThat(String.join("\n", problems)).contains("guard.enabled: unknown detector 'nope'")
        .contains("unknown region 'XX'").contains("invalid regex").contains("unknown guard action 'shred'")
        .contains("direction must be").contains("unknown detector 'emails'").contains("surfaces are llm and mcp");
  }

  @Test
  void partsAreScannedAsOneTextWithoutGluingNeighboursIntoAMatch() {
    GuardSession s = session(guard("redact", null));
    // split across parts: found, replaced in the part where it starts
    assertThat(s.requestParts(List.of("mail a@exam", "ple.com now"))).containsExactly("mail [EMAIL_1]", " now");
    // a whole value in one part stays its own: the word before it in the previous part is not swallowed
    assertThat(s.requestParts(List.of("see", "bob@example.org"))).containsExactly("see", "[EMAIL_2]");
    // digits at the end of one part and the start of the next are not glued into a card number
    assertThat(s.requestParts(List.of("order 4111 1111", "2024 1111 items"))).containsExactly("order 4111 1111",
        "2024 1111 items");
    // a log rule notes the split value and moves nothing
    GuardSession logged = session(guard("log", null));
    assertThat(logged.requestParts(List.of("mail a@exam", "ple.com now"))).containsExactly("mail a@exam",
        "ple.com now");
    assertThat(logged.requestTypes()).containsExactly("EMAIL");
    // pseudonyms split across parts are restored in the answer
    GuardSession p = session(guard("pseudonymise", "both"));
    assertThat(p.requestParts(List.of("write to anna@exa", "mple.com"))).containsExactly("write to [EMAIL_1]", "");
    assertThat(p.responseParts(List.of("Sent to [EMAIL_1]", "."))).containsExactly("Sent to anna@example.com", ".");
  }

  @Test
  void hiddenCharactersInsideAValueAreReplacedWithIt() {
    GuardSession s = session(guard("pseudonymise", "both"));
    String hidden = "maria\u200B.sil\u00ADva@correio\u2060.pt";
    assertThat(s.request("to " + hidden + " please")).isEqualTo("to [EMAIL_1] please");
    assertThat(s.restore("[EMAIL_1]")).isEqualTo(hidden); // the caller gets back exactly what it sent
    assertThat(session(guard("redact", null)).request("ｔａｎａｋａ＠ｅｘａｍｐｌｅ．ｊｐ と ＋４４ ２０ ７９４６ ０９５８"))
        .isEqualTo("[EMAIL_1] と [PHONE_1]");
  }

  @Test
  void aStreamFindsAValuePaddedWithInvisibleCharactersAcrossChunks() {
    GuardSession s = session(guard("redact", "response"));
    String padded = "a" + "\u200B".repeat(300) + "nna@example.com";
    String text = "x".repeat(400) + " write to " + padded + " and more text " + "y".repeat(400);
    GuardStream stream = s.stream();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i += 7) {
      out.append(stream.push(text.substring(i, Math.min(text.length(), i + 7))));
    }
    out.append(stream.finish());
    assertThat(out.toString()).contains(" write to [EMAIL_1] and more").doesNotContain("nna@");
  }
}
