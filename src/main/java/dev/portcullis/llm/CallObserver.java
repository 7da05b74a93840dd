package dev.portcullis.llm;

/** Told about every finished LLM request; must not block (it runs on the event loop). */
@FunctionalInterface
public interface CallObserver {
  void completed(CallSummary summary);
}
