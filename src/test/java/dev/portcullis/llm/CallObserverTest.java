package dev.portcullis.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A failing observer (the access log, say) does not keep the next one (the accountant) from its turn. */
class CallObserverTest {
  @Test
  void theNextObserverRunsEvenWhenTheFirstThrows() {
    List<String> told = new ArrayList<>();
    CallObserver failing = s -> {
      throw new IllegalStateException("injected: access log failed");
    };
    CallObserver chain = failing.andThen(s -> told.add(s.requestId()));
    CallSummary s = new CallSummary("r1", Endpoint.CHAT_COMPLETIONS, "m", null, 200, 1, 1, -1, Usage.NONE, "ok", false);
    assertThatThrownBy(() -> chain.completed(s)).hasMessageContaining("injected");
    assertThat(told).containsExactly("r1");
  }
}
