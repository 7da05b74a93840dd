package dev.portcullis.llm;

/** Told about every finished LLM request; must not block (it runs on the event loop). */
@FunctionalInterface
public interface CallObserver {
  void completed(CallSummary summary);

  /**
   * This observer, then {@code next}, which is told even when this one throws: a failing access
   * log must not keep the accountant from settling (and so from freeing parallel slots).
   */
  default CallObserver andThen(CallObserver next) {
    return s -> {
      try {
        completed(s);
      } finally {
        next.completed(s);
      }
    };
  }
}
