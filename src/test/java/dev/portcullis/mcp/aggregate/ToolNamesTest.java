package dev.portcullis.mcp.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ToolNamesTest {
  @Test
  void shortNamesAreJoined() {
    assertThat(ToolNames.namespaced("gh", "__", "create_issue")).isEqualTo("gh__create_issue");
  }

  @Test
  void longNamesAreShortenedDeterministicallyWithin64() {
    String tool = "a_really_long_tool_name_that_goes_on_and_on_and_on_forever_and_ever";
    String a = ToolNames.namespaced("server", "__", tool);
    assertThat(a).hasSize(64).startsWith("server__a_really").isEqualTo(ToolNames.namespaced("server", "__", tool));
    assertThat(ToolNames.namespaced("server", "__", tool + "2")).isNotEqualTo(a).hasSize(64);
  }

  @Test
  void collisionsGetDistinctDeterministicNames() {
    String taken = ToolNames.namespaced("a", "__", "b__c");
    String alt = ToolNames.disambiguate(taken, "a__b", "c");
    assertThat(alt).isNotEqualTo(taken).startsWith(taken).hasSizeLessThanOrEqualTo(64)
        .isEqualTo(ToolNames.disambiguate(taken, "a__b", "c"));
    assertThat(ToolNames.disambiguate("x".repeat(64), "s", "t")).hasSize(64);
  }
}
