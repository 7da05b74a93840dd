package dev.portcullis.llm.wire.anthropic;

import dev.portcullis.llm.wire.FakeProvider;

/** Opens the Anthropic fake to tests in other packages. */
public final class FakeAnthropicAccess {
  public static final String UPSTREAM_KEY = FakeAnthropic.UPSTREAM_KEY;

  private FakeAnthropicAccess() {}

  public static FakeProvider start() throws Exception {
    return FakeAnthropic.start();
  }
}
